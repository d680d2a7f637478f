// Recent events and calls, newest first. A fault that fired is shown on its
// event and on the call it acted on (same request_id); throttled calls too.
import { useMemo, useState } from 'preact/hooks';

export const TIMELINE_CAP = 500;

export const isFaultEvent = (ev) => ev.resource_type === 'fault' && ev.kind === 'injected';
export const isThrottled = (c) => c.throttled === true || c.code === 'RequestLimitExceeded';

// Adds one stream message to the rows (newest first, capped).
export function pushRow(rows, row) {
  const next = [row, ...rows];
  if (next.length > TIMELINE_CAP) next.length = TIMELINE_CAP;
  return next;
}

export function Timeline({ rows, onSelect, idx }) {
  const [only, setOnly] = useState(false);
  const [pin, setPin] = useState(null); // a request id to trace across rows

  // Request ids a fault acted on: their calls get the fault mark too, in
  // whichever order the event and the call arrived.
  const faulted = useMemo(() => {
    const s = new Set();
    for (const r of rows) if (r.type === 'event' && isFaultEvent(r.data) && r.data.request_id) s.add(r.data.request_id);
    return s;
  }, [rows]);

  const kindOf = (r) => {
    if (r.type === 'gap') return 'gap';
    if (r.type === 'event') return isFaultEvent(r.data) ? 'fault' : 'event';
    if (r.data.request_id && faulted.has(r.data.request_id)) return 'fault';
    return isThrottled(r.data) ? 'throttled' : 'call';
  };

  const shown = only ? rows.filter((r) => kindOf(r) === 'fault' || kindOf(r) === 'throttled' || (r.type === 'call' && r.data.code && r.data.code !== 'Ok')) : rows;

  const pick = (id) => {
    if (!id) return;
    if (idx.vpcById.has(id)) onSelect({ kind: 'vpc', id });
    else if (idx.peeringById.has(id)) onSelect({ kind: 'pcx', id });
  };

  return (
    <section class="panel timeline" aria-label="Timeline">
      <div class="tl-head">
        <h2>Timeline</h2>
        <span class="muted">
          {rows.length} row{rows.length === 1 ? '' : 's'} (newest first, last {TIMELINE_CAP})
        </span>
        <label>
          <input type="checkbox" checked={only} onChange={(e) => setOnly(e.currentTarget.checked)} /> only errors, faults and throttling
        </label>
        {pin && (
          <button type="button" onClick={() => setPin(null)}>
            request {pin} ✕
          </button>
        )}
      </div>
      <div class="tl-body">
        <table>
          <thead>
            <tr>
              <th scope="col">time</th>
              <th scope="col">kind</th>
              <th scope="col">what</th>
              <th scope="col">request id</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const k = kindOf(r);
              const d = r.data;
              const cls = 'k-' + k + (pin && d.request_id === pin ? ' pinned' : '');
              return (
                <tr key={r.key} data-timeline-row="" data-request-id={d.request_id || ''} data-kind={k} class={cls}>
                  <td class="t">{d.time}</td>
                  <td>
                    <span class={'lbl lbl-' + k}>{k}</span>
                  </td>
                  <td class="what">{r.type === 'event' ? eventText(d, pick) : r.type === 'gap' ? gapText(d) : callText(d)}</td>
                  <td>
                    {d.request_id ? (
                      <button type="button" class="link mono" title="Mark every row of this request" onClick={() => setPin(pin === d.request_id ? null : d.request_id)}>
                        {d.request_id}
                      </button>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && <p class="muted pad">Nothing yet: events and calls appear here as they happen.</p>}
      </div>
    </section>
  );
}

function eventText(e, pick) {
  if (isFaultEvent(e)) {
    return (
      <>
        rule <code>{e.resource_id}</code> on <strong>{e.old_state}</strong>: {e.new_state}
        {e.actor ? <span class="muted"> · caller {e.actor}</span> : null}
      </>
    );
  }
  return (
    <>
      {e.resource_type}{' '}
      <button type="button" class="link mono" onClick={() => pick(e.resource_id)}>
        {e.resource_id}
      </button>{' '}
      {e.kind}
      {(e.old_state || e.new_state) && (
        <span>
          {' '}
          {e.old_state || '∅'} → {e.new_state || '∅'}
        </span>
      )}
      {e.actor ? <span class="muted"> · by {e.actor}</span> : null}
    </>
  );
}

// The stream fell behind the calls (a burst, a slow tab): say so, rather
// than let the timeline look complete.
function gapText(g) {
  return <span class="muted">{g.missed} calls not shown: the console fell behind them</span>;
}

function callText(c) {
  const ok = !c.code || c.code === 'Ok';
  return (
    <>
      <span class="mono">{c.front_end}</span> <strong>{c.action}</strong> <span class="muted">by {c.caller}</span>{' '}
      <span class={ok ? 'ok' : 'err'}>{c.code}</span>
      {c.latency_ms != null && <span class="muted"> · {Number(c.latency_ms).toFixed(1)} ms</span>}
    </>
  );
}
