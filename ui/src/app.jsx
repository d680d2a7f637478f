// The vpcsim console: wires the topology, the live stream, the filters and
// the panels together. State lives here; the modules it renders are mostly
// pure views of it.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import './app.css';
import { admin, fetchTopology, num, openStream, throttled } from './api.js';
import { ClockPanel, Faults, Reset, Snapshots } from './Controls.jsx';
import { Details, indexTopology, relatedOf, StateLabel, Tip } from './Details.jsx';
import { Graph } from './Graph.jsx';
import { layout, NODE_H, NODE_W } from './layout.js';
import { anchorClock } from './time.js';
import { isFaultEvent, pushRow, Timeline } from './Timeline.jsx';

// Until the first topology arrives (and should a server omit them): the
// contract's states, so the toggles exist from the start.
const DEFAULT_STATES = [
  { state: 'PENDING', color: '#d97706', style: 'dashed', shown_by_default: true },
  { state: 'ACTIVE', color: '#15803d', style: 'solid', shown_by_default: true },
  { state: 'EXPIRED', color: '#6b7280', style: 'dotted', shown_by_default: true },
  { state: 'REJECTED', color: '#b91c1c', style: 'dotted', shown_by_default: true },
  { state: 'DELETED', color: '#9ca3af', style: 'dotted', shown_by_default: false },
];
const TOPOLOGY_GAP_MS = 250; // at most 4 topology fetches a second
// The draw cap (layout.js DEFAULT_CAP) can be moved with /ui?cap=N, to measure or to see more on a fast machine.
const CAP = Number(new URLSearchParams(location.search).get('cap')) || undefined;
const READ_ONLY = /^(Describe|Get|List)/;

function App() {
  const [topo, setTopo] = useState(null);
  const [topoErr, setTopoErr] = useState(null);
  const [fetchedAt, setFetchedAt] = useState(0);
  const [clock, setClock] = useState({ anchor: null, offset: null });
  const [shown, setShown] = useState({});
  const [account, setAccount] = useState('');
  const [region, setRegion] = useState('');
  const [search, setSearch] = useState('');
  const [focus, setFocus] = useState(null);
  const [withPeers, setWithPeers] = useState(false);
  const [selected, setSelected] = useState(null);
  const [hover, setHover] = useState(null);
  const [rows, setRows] = useState([]);
  const [connected, setConnected] = useState(false);
  const [faultTick, setFaultTick] = useState(0);
  const [snapTick, setSnapTick] = useState(0);
  const [viewReq, setViewReq] = useState(null);
  const [version, setVersion] = useState('');
  // Bumped whenever a clock answer arrives, so an older topology fetch that
  // lands later does not move the clock back.
  const clockGen = useRef(0);

  const onClock = (c) => {
    if (!c) return;
    clockGen.current++;
    setClock({ anchor: anchorClock(c.now), offset: num(c.offset_seconds) });
  };

  const refetch = useMemo(
    () =>
      throttled(async () => {
        const gen = clockGen.current;
        try {
          const t = await fetchTopology();
          setTopo(t);
          setFetchedAt(performance.now());
          setTopoErr(null);
          if (gen === clockGen.current) setClock((c) => ({ anchor: anchorClock(t.clock), offset: c.offset }));
        } catch (e) {
          setTopoErr(e && e.code ? e : { code: 'Network', message: String(e) });
        }
      }, TOPOLOGY_GAP_MS),
    []
  );

  const loadClock = () =>
    admin('GetClock', {})
      .then((r) => onClock(r.clock))
      .catch(() => {});

  // Start: topology, clock, version; then follow the stream.
  useEffect(() => {
    // The topology is read once the stream has replayed its backlog (see
    // onCaughtUp), so that a load fetches it once, not once per replayed
    // event; without a stream it is read after two seconds anyway.
    let live = false;
    const fallback = setTimeout(() => {
      if (!live) refetch();
    }, 2000);
    loadClock();
    admin('GetServerInfo', {})
      .then((r) => setVersion(r.version || ''))
      .catch(() => {});

    // The stream replays the newest 200 events on every (re)connect: drop the
    // ones we already have. Keyed on more than event_id, which a Reset may
    // start again from 1.
    const seen = new Set();
    const seenOrder = [];
    let seq = 0;
    let faultTimer = null;
    // Fault counters move with calls: re-list them at most once a second.
    const bumpFaults = () => {
      if (!faultTimer)
        faultTimer = setTimeout(() => {
          faultTimer = null;
          setFaultTick((n) => n + 1);
        }, 1000);
    };
    const close = openStream({
      onStatus: setConnected,
      onOpen: () => {
        live = false; // a reconnection replays first; changes may have been missed
      },
      onCaughtUp: () => {
        live = true;
        refetch();
      },
      onEvent: (ev) => {
        const key = [ev.event_id, ev.time, ev.resource_id, ev.kind, ev.request_id].join('|');
        if (seen.has(key)) return;
        seen.add(key);
        seenOrder.push(key);
        if (seenOrder.length > 2000) seen.delete(seenOrder.shift());
        setRows((r) => pushRow(r, { key: 'e' + seq++, type: 'event', data: ev }));
        if (live) refetch();
        if (isFaultEvent(ev)) bumpFaults();
      },
      onLagged: (g) => {
        setRows((r) => pushRow(r, { key: 'g' + seq++, type: 'gap', data: { time: '', missed: g.missed } }));
      },
      onCall: (c) => {
        setRows((r) => pushRow(r, { key: 'c' + seq++, type: 'call', data: c }));
        // Reads change nothing; anything else may (AdvanceClock expires requests without an event of its own).
        if (!READ_ONLY.test(c.action || '')) refetch();
        bumpFaults();
      },
    });
    return () => {
      close();
      clearTimeout(fallback);
      clearTimeout(faultTimer);
    };
  }, []);

  // A PENDING request turns EXPIRED on the server's clock: re-read then.
  useEffect(() => {
    if (!topo) return;
    let min = Infinity;
    for (const p of topo.peerings || []) if (p.state === 'PENDING' && p.expires_in_secs != null) min = Math.min(min, Number(p.expires_in_secs));
    if (min > 7 * 86400) return;
    const t = setTimeout(refetch, (Math.max(0, min) + 0.5) * 1000);
    return () => clearTimeout(t);
  }, [topo]);

  const states = (topo && topo.states && topo.states.length ? topo.states : DEFAULT_STATES);
  const stateInfo = useMemo(() => Object.fromEntries(states.map((x) => [x.state, x])), [states]);
  const isShown = (s) => (shown[s.state] !== undefined ? shown[s.state] : s.shown_by_default);

  const lay = useMemo(
    () => layout(topo, { shown, account, region, focus, search, withPeers, cap: CAP }),
    [topo, shown, account, region, focus, search, withPeers]
  );
  const idx = useMemo(() => indexTopology(topo), [topo]);
  const related = useMemo(() => relatedOf(selected, idx), [selected, idx]);

  const accounts = useMemo(() => [...((topo && topo.accounts) || [])].sort((a, b) => (a.uin < b.uin ? -1 : 1)), [topo]);
  const regions = useMemo(() => [...new Set(((topo && topo.vpcs) || []).map((v) => v.region))].sort(), [topo]);

  // Zoom to the search hits once the typing pauses.
  const layRef = useRef(lay);
  layRef.current = lay;
  const zoomToMatches = () => {
    const l = layRef.current;
    const box = l.matchBox || (search.trim() ? null : { x: 0, y: 0, w: l.width, h: l.height });
    if (box) setViewReq({ box, seq: Date.now(), maxK: 1.25 });
  };
  useEffect(() => {
    if (!search.trim()) return;
    const t = setTimeout(zoomToMatches, 350);
    return () => clearTimeout(t);
  }, [search]);

  // Picking something from the panels also brings it into view.
  const selectAndShow = (t) => {
    setSelected(t);
    if (!t) return;
    const ids = t.kind === 'vpc' ? [t.id] : (() => {
      const p = idx.peeringById.get(t.id);
      return p ? [p.vpc, p.peer_vpc] : [];
    })();
    const ns = ids.map((id) => lay.nodeById.get(id)).filter(Boolean);
    if (!ns.length) return;
    const xs = ns.map((n) => n.x);
    const ys = ns.map((n) => n.y);
    const x = Math.min(...xs) - NODE_W * 1.5;
    const y = Math.min(...ys) - NODE_H * 3;
    setViewReq({ box: { x, y, w: Math.max(...xs) - x + NODE_W * 1.5, h: Math.max(...ys) - y + NODE_H * 3 }, seq: Date.now(), maxK: 1 });
  };

  const refreshAll = async () => {
    refetch();
    loadClock();
    setFaultTick((n) => n + 1);
    setSnapTick((n) => n + 1);
  };

  let empty = null;
  if (!topo) empty = topoErr ? null : 'Loading the topology…';
  else if (!lay.total) empty = 'No VPCs yet.';
  else if (!lay.drawn) empty = 'No VPC matches the filters.';

  return (
    <div class="app">
      <div>
      <header class="top">
        <h1>vpcsim console</h1>
        {version && <span class="muted">v{version}</span>}
        <span class="spacer" />
        <span class="live" data-testid="live" data-connected={connected ? 'true' : 'false'} role="status" title="The live stream of events and calls">
          <span class="dot" aria-hidden="true" />
          {connected ? 'live' : 'disconnected, retrying…'}
        </span>
      </header>
      {topoErr && (
        <p class="banner" role="alert">
          Cannot read the topology: <strong>{topoErr.code}</strong> {topoErr.message}
          {topo ? ' (showing the last one read)' : ''}
        </p>
      )}
      </div>
      <div class="main">
        <div class="center">
          <div class="toolbar">
            <label>
              Account{' '}
              <select data-testid="filter-account" value={account} onChange={(e) => setAccount(e.currentTarget.value)}>
                <option value="">all</option>
                {accounts.map((a) => (
                  <option key={a.uin} value={a.uin}>
                    {a.name ? `${a.name} (${a.uin})` : a.uin}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Region{' '}
              <select data-testid="filter-region" value={region} onChange={(e) => setRegion(e.currentTarget.value)}>
                <option value="">all</option>
                {regions.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Search{' '}
              <input
                type="search"
                data-testid="search"
                placeholder="VPC or peering id, name"
                value={search}
                onInput={(e) => setSearch(e.currentTarget.value)}
                onKeyDown={(e) => e.key === 'Enter' && zoomToMatches()}
              />
            </label>
            {lay.searching && (
              <span class="muted" data-testid="match-count" role="status">
                {lay.matchCount} VPC{lay.matchCount === 1 ? '' : 's'} match
              </span>
            )}
            {focus && (
              <button type="button" class="chip" onClick={() => setFocus(null)} title="Show all VPCs again">
                only {focus} and its peers ✕
              </button>
            )}
            <label title="Also draw the VPCs the shown ones are peered with, wherever they are">
              <input type="checkbox" data-testid="with-peers" checked={withPeers} onChange={(e) => setWithPeers(e.currentTarget.checked)} /> + their peers
            </label>
            <span class={'count' + (lay.capped ? ' warn' : '')} data-testid="shown-count" role="status">
              showing {lay.drawn} of {lay.total} VPCs
              {lay.capped ? ` — ${lay.candidates} match, drawing at most ${lay.cap}: narrow the filters` : ''}
            </span>
          </div>
          <div class="legend" role="group" aria-label="Peering states shown">
            {states.map((s) => (
              <label key={s.state} class="st">
                <input
                  type="checkbox"
                  data-testid={'state-toggle-' + s.state}
                  checked={isShown(s)}
                  onChange={(e) => setShown({ ...shown, [s.state]: e.currentTarget.checked })}
                />{' '}
                <StateLabel state={s.state} info={stateInfo} />{' '}
                <span class="muted">{lay.stateCounts[s.state] || 0}</span>
              </label>
            ))}
            <span class="keys muted">
              <span class="pill">A</span> cross-account <span class="pill">R</span> cross-region <span class="pill ovl">overlap</span> blocks overlap
            </span>
          </div>
          <Graph
            lay={lay}
            selected={selected}
            related={related}
            onSelect={setSelected}
            onHover={setHover}
            hover={hover}
            tip={hover ? <Tip hover={hover} idx={idx} fetchedAt={fetchedAt} /> : null}
            viewReq={viewReq}
            fitKey={`${account}|${region}|${focus}`}
            empty={empty}
          />
        </div>
        <aside class="side">
          <ClockPanel
            anchor={clock.anchor}
            offset={clock.offset}
            onClock={(c) => {
              onClock(c);
              refetch();
            }}
          />
          <Details sel={selected} idx={idx} fetchedAt={fetchedAt} onSelect={selectAndShow} onFocus={(id) => { setFocus(id); if (id) { setAccount(''); setRegion(''); } }} focus={focus} />
          <Snapshots tick={snapTick} afterRestore={refreshAll} />
          <Faults tick={faultTick} regions={regions} uins={accounts.map((a) => a.uin)} />
          <Reset afterReset={refreshAll} />
        </aside>
      </div>
      <Timeline rows={rows} onSelect={selectAndShow} idx={idx} />
    </div>
  );
}

render(<App />, document.getElementById('app'));
