// The topology drawing: hand-written SVG, pan (drag) and zoom (wheel) by one
// CSS transform on the element holding it, so moving the view never
// re-renders the thousands of nodes inside.
import { Component } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { NODE_H, NODE_W } from './layout.js';

const MIN_K = 0.02;
const MAX_K = 4;
const LOD_K = 0.45; // below this zoom, node text is unreadable: hide it (cheaper too)

export function Graph({ lay, selected, related, onSelect, onHover, hover, tip, viewReq, fitKey, empty }) {
  const wrap = useRef(null);
  const [view, setView] = useState({ x: 0, y: 0, k: 1 });
  const viewRef = useRef(view);
  viewRef.current = view;
  const layRef = useRef(lay);
  layRef.current = lay;
  // "auto": follow the data (refit when it changes) until the user pans or zooms.
  const auto = useRef(true);
  const drag = useRef(null);
  const swallowClick = useRef(false);
  // While the view moves, edges are drawn without their dash patterns (see
  // app.css: dashing is most of the paint of a frame); they come back once the
  // view rests.
  const [moving, setMoving] = useState(false);
  const idle = useRef(null);
  const moved = (v) => {
    setView(v);
    setMoving(true);
    clearTimeout(idle.current);
    idle.current = setTimeout(() => setMoving(false), 200);
  };
  useEffect(() => () => clearTimeout(idle.current), []);

  const size = () => {
    const r = wrap.current ? wrap.current.getBoundingClientRect() : { width: 0, height: 0 };
    return [r.width, r.height];
  };
  const fitTo = (box, maxK = 1.25) => {
    const [w, h] = size();
    if (!w || !h || !box || box.w <= 0 || box.h <= 0) return;
    const pad = 24;
    let k = Math.min((w - 2 * pad) / box.w, (h - 2 * pad) / box.h, maxK);
    k = Math.max(MIN_K, k);
    setView({ k, x: w / 2 - (box.x + box.w / 2) * k, y: h / 2 - (box.y + box.h / 2) * k });
  };
  const contentBox = () => ({ x: 0, y: 0, w: layRef.current.width, h: layRef.current.height });

  // Refit when the filters change (fitKey) or, in auto mode, when the data does.
  useLayoutEffect(() => {
    auto.current = true;
    fitTo(contentBox());
  }, [fitKey]);
  useLayoutEffect(() => {
    if (auto.current) fitTo(contentBox());
  }, [lay.width, lay.height]);
  // Explicit requests: zoom to search hits, centre on a picked item.
  useLayoutEffect(() => {
    if (!viewReq || !viewReq.box) return;
    auto.current = false;
    fitTo(viewReq.box, viewReq.maxK || 1.25);
  }, [viewReq && viewReq.seq]);
  // Keep following the data when the window resizes.
  useEffect(() => {
    if (typeof ResizeObserver === 'undefined' || !wrap.current) return;
    const ro = new ResizeObserver(() => auto.current && fitTo(contentBox()));
    ro.observe(wrap.current);
    return () => ro.disconnect();
  }, []);

  const zoomAt = (px, py, factor) => {
    const v = viewRef.current;
    const k = Math.min(MAX_K, Math.max(MIN_K, v.k * factor));
    const wx = (px - v.x) / v.k;
    const wy = (py - v.y) / v.k;
    auto.current = false;
    moved({ k, x: px - wx * k, y: py - wy * k });
  };

  // Wheel zoom needs a non-passive listener to stop the page scrolling.
  useEffect(() => {
    const el = wrap.current;
    const onWheel = (e) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-dy * 0.0015));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (e) => {
    if (e.button !== 0 || e.target.closest('button, .tip')) return;
    const v = viewRef.current;
    drag.current = { id: e.pointerId, sx: e.clientX, sy: e.clientY, x: v.x, y: v.y, moved: false };
  };
  const onPointerMove = (e) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.sx;
    const dy = e.clientY - d.sy;
    if (!d.moved) {
      if (Math.abs(dx) + Math.abs(dy) < 5) return; // a click, not a drag
      d.moved = true;
      // Capture only once it is a drag: capturing earlier would retarget
      // the click of a plain click on a node to the container.
      wrap.current.setPointerCapture(e.pointerId);
      auto.current = false;
      if (hover) onHover(null);
    }
    moved({ k: viewRef.current.k, x: d.x + dx, y: d.y + dy });
  };
  const onPointerUp = (e) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    drag.current = null;
    if (d.moved) {
      swallowClick.current = true;
      setTimeout(() => (swallowClick.current = false), 0);
    }
  };

  const targetOf = (el) => {
    const t = el && el.closest && el.closest('[data-vpc],[data-peering]');
    if (!t) return null;
    return t.hasAttribute('data-vpc')
      ? { kind: 'vpc', id: t.getAttribute('data-vpc') }
      : { kind: 'pcx', id: t.getAttribute('data-peering') };
  };
  const onClick = (e) => {
    if (swallowClick.current || e.target.closest('button')) return;
    onSelect(targetOf(e.target));
  };
  const onKeyDown = (e) => {
    const t = targetOf(e.target);
    if (t && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      onSelect(t);
      return;
    }
    if (e.target !== wrap.current) return;
    const v = viewRef.current;
    const pan = { ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60] }[e.key];
    if (pan) {
      e.preventDefault();
      auto.current = false;
      moved({ k: v.k, x: v.x + pan[0], y: v.y + pan[1] });
    } else if (e.key === '+' || e.key === '=' || e.key === '-') {
      const [w, h] = size();
      zoomAt(w / 2, h / 2, e.key === '-' ? 0.8 : 1.25);
    }
  };
  const onMouseOver = (e) => {
    if (drag.current && drag.current.moved) return;
    const t = targetOf(e.target);
    if (!t) {
      if (hover) onHover(null);
      return;
    }
    if (hover && hover.kind === t.kind && hover.id === t.id) return;
    const r = wrap.current.getBoundingClientRect();
    onHover({ ...t, x: e.clientX - r.left, y: e.clientY - r.top });
  };

  const zoomBtn = (f) => {
    const [w, h] = size();
    zoomAt(w / 2, h / 2, f);
  };
  const fit = () => {
    auto.current = true;
    fitTo(contentBox());
  };

  // Room around the content for arcs that bulge past the boxes.
  const M = 120;
  return (
    <div
      class="graph"
      ref={wrap}
      tabIndex="0"
      role="application"
      aria-label="VPC peering topology: drag or arrow keys to pan, wheel or +/- to zoom, Tab to the VPCs and peerings"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onClick={onClick}
      onKeyDown={onKeyDown}
      onMouseOver={onMouseOver}
      onMouseLeave={() => hover && onHover(null)}
    >
      <div class={'stage' + (moving ? ' moving' : '')} style={`transform:translate(${view.x}px,${view.y}px) scale(${view.k})`}>
        <svg
          data-testid="graph"
          class={view.k < LOD_K ? 'lod-lo' : ''}
          width={lay.width + 2 * M}
          height={lay.height + 2 * M}
          viewBox={`${-M} ${-M} ${lay.width + 2 * M} ${lay.height + 2 * M}`}
          style={`left:${-M}px;top:${-M}px`}
        >
          <Content lay={lay} selected={selected} related={related} />
        </svg>
      </div>
      {empty && <div class="graph-empty">{empty}</div>}
      <div class="graph-tools" role="group" aria-label="View">
        <button type="button" onClick={() => zoomBtn(1.25)} aria-label="Zoom in" title="Zoom in">+</button>
        <button type="button" onClick={() => zoomBtn(0.8)} aria-label="Zoom out" title="Zoom out">−</button>
        <button type="button" data-testid="fit" onClick={fit} title="Fit everything drawn">fit</button>
      </div>
      {hover && tip && (
        <div class="tip" role="tooltip" style={`left:${Math.round(hover.x + 14)}px;top:${Math.round(hover.y + 14)}px`}>
          {tip}
        </div>
      )}
    </div>
  );
}

// The drawing itself re-renders only when the layout or the selection
// changes, never on pan, zoom or hover.
class Content extends Component {
  shouldComponentUpdate(n) {
    return n.lay !== this.props.lay || n.selected !== this.props.selected || n.related !== this.props.related;
  }
  render({ lay, selected, related }) {
    const sel = selected || {};
    const rel = related || EMPTY;
    return (
      <>
        <g class="groups">{lay.groups.map(groupBox)}</g>
        <g class="edges">
          {lay.edges.map((e) => (
            <Item key={e.id} draw={edge} it={e} sig={e.sig} cls={edgeClass(e, sel, rel, lay.searching)} />
          ))}
        </g>
        <g class="nodes">
          {lay.nodes.map((n) => (
            <Item key={n.id} draw={node} it={n} sig={n.sig} cls={nodeClass(n, sel, rel, lay.searching)} />
          ))}
        </g>
      </>
    );
  }
}
const EMPTY = { vpcs: new Set(), pcx: new Set(), overlaps: new Set() };

// One node or edge. A topology refresh makes new layout objects for
// everything; `sig` (from layout.js) says what the drawing depends on, so
// only what changed is diffed again (a refresh at 1,000 VPCs costs ~1 ms of
// diffing instead of ~40).
class Item extends Component {
  shouldComponentUpdate(n) {
    return n.sig !== this.props.sig || n.cls !== this.props.cls;
  }
  render({ draw, it, cls }) {
    return draw(it, cls);
  }
}

function groupBox(g) {
  const q = g.quota['appid-max-vpcs'];
  return (
    <g key={g.id} class="grp" data-group={g.id}>
      <rect class="gb" x={g.x} y={g.y} width={g.w} height={g.h} rx="10" />
      <rect class="gs" x={g.x} y={g.y} width="6" height={g.h} fill={`hsl(${g.hue} 55% 45%)`} />
      <text class="gt" x={g.x + 14} y={g.y + 19}>
        {g.name ? `${g.name} (${g.uin})` : g.uin} · {g.region}
      </text>
      {q && (
        <text class="gq" x={g.x + 14} y={g.y + 34}>
          VPCs {q.used}/{q.limit}
        </text>
      )}
    </g>
  );
}

const trunc = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

function nodeClass(n, sel, rel, searching) {
  let cls = 'vn';
  if (n.v.deleted) cls += ' del';
  if (n.context) cls += ' ctx';
  const picked = sel.kind === 'vpc' && sel.id === n.id;
  if (picked) cls += ' sel';
  else if (rel.vpcs.has(n.id)) cls += ' hl';
  if (rel.overlaps.has(n.id)) cls += ' ovl';
  // A search dims what it misses, but never the selection and its neighbours.
  if (searching) cls += n.match ? ' m' : picked || rel.vpcs.has(n.id) || rel.overlaps.has(n.id) ? '' : ' dim';
  return cls;
}

function node(n, cls) {
  const v = n.v;
  const over = n.over;
  const blocks = (v.assistant_cidr_blocks || []).length;
  return (
    <g
      key={n.id}
      data-vpc={n.id}
      data-overlap={over ? 'true' : undefined}
      class={cls}
      transform={`translate(${n.x - NODE_W / 2} ${n.y - NODE_H / 2})`}
      tabindex="0"
      role="button"
      aria-label={`VPC ${v.name || ''} ${v.id}${v.deleted ? ' (deleted)' : ''}${over ? ', overlapping blocks' : ''}`}
    >
      <rect class="nb" width={NODE_W} height={NODE_H} rx="6" />
      <text class="nt" x="8" y="14">
        {trunc((v.name || '(no name)') + (v.deleted ? ' (deleted)' : ''), 21)}
      </text>
      <text class="ni" x="8" y="27">
        {v.id}
      </text>
      <text class="nc" x="8" y="39">
        {v.cidr_block}
        {blocks ? ` +${blocks}` : ''}
      </text>
      {over && (
        <g class="ob">
          <rect x={NODE_W - 56} y="-7" width="52" height="14" rx="7" />
          <text x={NODE_W - 30} y="3.5">
            overlap
          </text>
        </g>
      )}
    </g>
  );
}

function edgeClass(e, sel, rel, searching) {
  let cls = 'pe';
  const picked = sel.kind === 'pcx' && sel.id === e.id;
  if (picked) cls += ' sel';
  else if (rel.pcx.has(e.id)) cls += ' hl';
  if (searching) cls += e.match ? ' m' : picked || rel.pcx.has(e.id) ? '' : ' dim';
  if (e.mark) cls += ' x';
  return cls;
}

function edge(e, cls) {
  const p = e.p;
  const mark = e.mark;
  const w = mark.length * 7 + 8;
  return (
    <g
      key={e.id}
      data-peering={e.id}
      data-state={p.state}
      data-cross-account={p.cross_account ? 'true' : undefined}
      data-cross-region={p.cross_region ? 'true' : undefined}
      class={cls}
      tabindex="0"
      role="button"
      aria-label={`Peering ${p.id} ${p.state}${p.cross_account ? ', cross-account' : ''}${p.cross_region ? ', cross-region' : ''}`}
    >
      {/* invisible, see placeMarkers() in layout.js */}
      <rect class="eb" x={e.bal.x} y={e.bal.y} width={e.bal.w} height={e.bal.h} />
      <path class="eh" d={e.d} />
      <path class="el" d={e.d} stroke={e.color} stroke-dasharray={e.dash || undefined} />
      {mark && (
        <g class="em" transform={`translate(${e.mx} ${e.my})`}>
          <rect x={-w / 2} y="-7" width={w} height="14" rx="7" stroke={e.color} />
          <text y="3.5">{mark}</text>
        </g>
      )}
    </g>
  );
}
