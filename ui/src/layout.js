// Pure layout: (topology, view options) -> positions. No DOM, no randomness:
// the same data and options always give the same picture.
//
// Everything sits on one global grid of CELL_W x CELL_H cells. A group (one
// account in one region) is a box of whole cells, placed left to right in
// shelves, in the server's group order (uin, then region), so an account's
// regions sit side by side. Inside a box VPCs fill a small grid, one per cell,
// under a half-cell header. Peerings are arcs between node centres.
//
// The global grid also makes "is this point on a node?" a lookup of the
// nearest lattice point, which placeMarkers() uses to put an edge's marker (and the
// centre of its bounding box) where no node covers it.

export const CELL_W = 168;
export const CELL_H = 96;
export const NODE_W = 140;
export const NODE_H = 44;
export const DEFAULT_CAP = 1500;

// Long periods and butt caps: dashing is most of the paint cost of a big
// graph (round caps cost twice as much again).
const DASH = { solid: null, dashed: '12 8', dotted: '3 9' };

export function dashOf(style) {
  return DASH[style] === undefined ? null : DASH[style];
}

export function matchesSearch(q, ...fields) {
  for (const f of fields) if (f && String(f).toLowerCase().includes(q)) return true;
  return false;
}

function hash(s) {
  let h = 0;
  for (const ch of String(s)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

// Deterministic hue per account so its boxes share a colour.
export const hueOf = (uin) => hash(uin) % 360;

/**
 * @param topo     topology JSON (contract)
 * @param opt      {shown: {STATE: bool}, account, region, focus, search, withPeers, cap}
 */
export function layout(topo, opt) {
  const vpcs = (topo && topo.vpcs) || [];
  const peerings = (topo && topo.peerings) || [];
  const states = (topo && topo.states) || [];
  const stateInfo = {};
  for (const s of states) stateInfo[s.state] = s;
  const shown = (s) => (opt.shown[s] !== undefined ? opt.shown[s] : !stateInfo[s] || stateInfo[s].shown_by_default);
  const cap = opt.cap || DEFAULT_CAP;
  const q = (opt.search || '').trim().toLowerCase();

  // Peerings of the shown states, and who they join.
  const visible = peerings.filter((p) => shown(p.state));
  const adj = new Map();
  const link = (a, b) => {
    if (!adj.has(a)) adj.set(a, new Set());
    adj.get(a).add(b);
  };
  for (const p of visible) {
    link(p.vpc, p.peer_vpc);
    link(p.peer_vpc, p.vpc);
  }

  // Which VPCs qualify. A deleted VPC only stays in the topology because a
  // peering names it: draw it only when such a peering is drawn.
  const focusSet = opt.focus ? new Set([opt.focus, ...(adj.get(opt.focus) || [])]) : null;
  const base = [];
  const inBase = new Set();
  for (const v of vpcs) {
    if (v.deleted && !adj.has(v.id) && v.id !== opt.focus) continue;
    if (opt.account && v.uin !== opt.account) continue;
    if (opt.region && v.region !== opt.region) continue;
    if (focusSet && !focusSet.has(v.id)) continue;
    base.push(v);
    inBase.add(v.id);
  }
  // Optionally the peers of those, from anywhere, as context.
  const context = new Set();
  if (opt.withPeers) {
    for (const v of base) for (const o of adj.get(v.id) || []) if (!inBase.has(o)) context.add(o);
  }
  let candidates = base.concat(vpcs.filter((v) => context.has(v.id)));

  // Search: ids, legacy ids, names of VPCs; ids and names of peerings (which
  // then mark both ends).
  const matchVpc = new Set();
  const matchPcx = new Set();
  if (q) {
    for (const v of vpcs) if (matchesSearch(q, v.id, v.legacy_id, v.name)) matchVpc.add(v.id);
    for (const p of visible)
      if (matchesSearch(q, p.id, p.name)) {
        matchPcx.add(p.id);
        matchVpc.add(p.vpc);
        matchVpc.add(p.peer_vpc);
      }
  }

  // The draw cap: past it, keep search matches first, then topology order.
  const capped = candidates.length > cap;
  if (capped) {
    if (q) candidates = candidates.filter((v) => matchVpc.has(v.id)).concat(candidates.filter((v) => !matchVpc.has(v.id)));
    candidates = candidates.slice(0, cap);
  }
  const drawnIds = new Set(candidates.map((v) => v.id));

  // Group the drawn VPCs, boxes in the server's group order.
  const groupOrder = new Map();
  const groupMeta = new Map();
  ((topo && topo.groups) || []).forEach((g, i) => {
    groupOrder.set(g.id, i);
    groupMeta.set(g.id, g);
  });
  const byGroup = new Map();
  for (const v of vpcs) {
    if (!drawnIds.has(v.id)) continue;
    const gid = v.group || v.uin + '/' + v.region;
    if (!byGroup.has(gid)) byGroup.set(gid, []);
    byGroup.get(gid).push(v);
  }
  const gids = [...byGroup.keys()].sort((a, b) => {
    const ia = groupOrder.has(a) ? groupOrder.get(a) : Infinity;
    const ib = groupOrder.has(b) ? groupOrder.get(b) : Infinity;
    return ia - ib || (a < b ? -1 : a > b ? 1 : 0);
  });

  // Size each box, then shelf-pack them to a wide picture (about 2.4:1, like the graph pane).
  const boxes = gids.map((gid) => {
    const members = byGroup.get(gid);
    const n = members.length;
    const cols = Math.max(2, Math.min(8, Math.ceil(Math.sqrt(n * 1.5))));
    const rows = Math.ceil(n / cols);
    return { gid, members, cols, rows, hCells: rows + 1 };
  });
  const area = boxes.reduce((s, b) => s + b.cols * b.hCells, 0) * CELL_W * CELL_H;
  const widest = boxes.reduce((m, b) => Math.max(m, b.cols), 0);
  const widthCells = Math.max(widest, Math.ceil(Math.sqrt(area * 2.4) / CELL_W));

  const groups = [];
  const nodes = [];
  const nodeById = new Map();
  let cx = 0;
  let cy = 0;
  let shelfH = 0;
  let maxX = 0;
  for (const b of boxes) {
    if (cx > 0 && cx + b.cols > widthCells) {
      cx = 0;
      cy += shelfH;
      shelfH = 0;
    }
    const x0 = cx * CELL_W;
    const y0 = cy * CELL_H;
    const meta = groupMeta.get(b.gid) || {};
    const first = b.members[0];
    groups.push({
      id: b.gid,
      uin: meta.uin || first.uin,
      name: meta.account_name || '',
      region: meta.region || first.region,
      quota: meta.quota || {},
      hue: hueOf(meta.uin || first.uin),
      x: x0 + 6,
      y: y0 + 6,
      w: b.cols * CELL_W - 12,
      h: b.hCells * CELL_H - 12,
    });
    b.members.forEach((v, i) => {
      const c = i % b.cols;
      const r = Math.floor(i / b.cols);
      // Lattice point: x = (c + 1/2) cells, y = (r + 1) cells from the box.
      const x = x0 + (c + 0.5) * CELL_W;
      const y = y0 + (r + 1) * CELL_H;
      const over = (v.overlap_count || (v.overlaps || []).length) > 0;
      const node = {
        id: v.id,
        v,
        x,
        y,
        over,
        context: context.has(v.id),
        match: matchVpc.has(v.id),
        // everything the drawing of the node shows (Graph.jsx redraws on change)
        sig: [x, y, v.name, v.cidr_block, (v.assistant_cidr_blocks || []).length, v.deleted, over].join('|'),
      };
      nodes.push(node);
      nodeById.set(v.id, node);
    });
    cx += b.cols;
    maxX = Math.max(maxX, cx);
    shelfH = Math.max(shelfH, b.hCells);
  }

  // Edges between drawn VPCs: arcs from centre to centre (the ends hide
  // under the nodes, drawn on top). Edges joining the same two VPCs bulge
  // alternately to either side, further each time, so they stay apart.
  const pairKey = (p) => (p.vpc < p.peer_vpc ? p.vpc + '|' + p.peer_vpc : p.peer_vpc + '|' + p.vpc);
  const pairSeen = new Map();
  const edges = [];
  for (const p of visible) {
    const a = nodeById.get(p.vpc);
    const b = nodeById.get(p.peer_vpc);
    if (!a || !b) continue;
    const key = pairKey(p);
    const k = pairSeen.get(key) || 0;
    pairSeen.set(key, k + 1);
    // Bend relative to the pair's own order, so A->B and B->A agree on sides.
    const [s, t] = p.vpc < p.peer_vpc ? [a, b] : [b, a];
    const si = stateInfo[p.state] || {};
    const mark = p.cross_account && p.cross_region ? 'A+R' : p.cross_account ? 'A' : p.cross_region ? 'R' : '';
    edges.push({ id: p.id, p, ...arc(s, t, k), color: si.color || '#6b7280', dash: dashOf(si.style), mark, match: matchPcx.has(p.id) });
  }
  placeMarkers(edges, nodes);
  for (const e of edges) e.sig = [e.d, e.p.state, e.color, e.dash, e.mark, e.mx, e.my, e.bal.x, e.bal.y, e.bal.w, e.bal.h].join('|');

  // Where the search hits are, for "zoom to matches".
  let matchBox = null;
  if (q) {
    const pts = [];
    for (const nd of nodes) if (nd.match) pts.push([nd.x, nd.y]);
    if (pts.length) {
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      matchBox = {
        x: Math.min(...xs) - NODE_W,
        y: Math.min(...ys) - NODE_H * 2,
        w: Math.max(...xs) - Math.min(...xs) + NODE_W * 2,
        h: Math.max(...ys) - Math.min(...ys) + NODE_H * 4,
      };
    }
  }

  const stateCounts = {};
  for (const p of peerings) stateCounts[p.state] = (stateCounts[p.state] || 0) + 1;

  return {
    groups,
    nodes,
    nodeById,
    edges,
    width: maxX * CELL_W,
    height: (cy + shelfH) * CELL_H,
    total: vpcs.length,
    candidates: base.length + context.size,
    drawn: nodes.length,
    capped,
    cap,
    searching: !!q,
    matchCount: matchVpc.size,
    matchPcxCount: matchPcx.size,
    matchBox,
    stateCounts,
  };
}

const cellOf = (x, y) => Math.round(x / CELL_W - 0.5) + ',' + Math.round(y / CELL_H);

// Is (x, y) on (or just next to) a drawn node? Nodes sit on the lattice and
// are smaller than a cell, so only the nearest lattice point can hold one.
function onNode(x, y, occupied) {
  const i = Math.round(x / CELL_W - 0.5);
  const j = Math.round(y / CELL_H);
  if (!occupied.has(i + ',' + j)) return false;
  return Math.abs(x - (i + 0.5) * CELL_W) <= NODE_W / 2 + 4 && Math.abs(y - j * CELL_H) <= NODE_H / 2 + 8; // + the overlap badge
}

const TRY_T = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82, 0.12, 0.88];
const BAL_PAD = 40; // more than the stroke of the hit path inflates the box
const AVOID_EDGES_MAX = 400; // past this many edges, only avoid nodes (cost is quadratic)

const qAt = (u, p0, c, p1) => (1 - u) * (1 - u) * p0 + 2 * u * (1 - u) * c + u * u * p1;

// A quadratic arc from node s to node t, bulging to side (-1)^k by a growing
// amount: the path, its control point and its extent.
function arc(s, t, k) {
  const dx = t.x - s.x;
  const dy = t.y - s.y;
  const len = Math.hypot(dx, dy) || 1;
  const side = k % 2 ? -1 : 1;
  const h = side * (Math.min(Math.max(len * 0.2, 64), 100) + 32 * Math.floor(k / 2));
  const cx = (s.x + t.x) / 2 + (-dy / len) * h;
  const cy = (s.y + t.y) / 2 + (dx / len) * h;
  // The extent: the ends and, per axis, the extreme point if inside.
  const ext = (p0, c, p1) => {
    const den = p0 - 2 * c + p1;
    const u = den ? (p0 - c) / den : -1;
    const vals = [p0, p1];
    if (u > 0 && u < 1) vals.push(qAt(u, p0, c, p1));
    return [Math.min(...vals), Math.max(...vals)];
  };
  const [x0, x1] = ext(s.x, cx, t.x);
  const [y0, y1] = ext(s.y, cy, t.y);
  return {
    d: `M${r1(s.x)} ${r1(s.y)}Q${r1(cx)} ${r1(cy)} ${r1(t.x)} ${r1(t.y)}`,
    g: { x0: s.x, y0: s.y, cx, cy, x1: t.x, y1: t.y, len, box: [x0, y0, x1, y1] },
  };
}
const r1 = (n) => Math.round(n * 10) / 10;

// Is (x, y) within `m` of edge e's curve? (box test first, then samples)
function nearEdge(e, x, y, m) {
  const g = e.g;
  const [bx0, by0, bx1, by1] = g.box;
  if (x < bx0 - m || x > bx1 + m || y < by0 - m || y > by1 + m) return false;
  const n = Math.min(400, Math.max(12, Math.ceil(g.len / 3)));
  for (let i = 0; i <= n; i++) {
    const u = i / n;
    if (Math.hypot(qAt(u, g.x0, g.cx, g.x1) - x, qAt(u, g.y0, g.cy, g.y1) - y) < m) return true;
  }
  return false;
}

// Each edge gets a marker point (mx, my) on its curve, where the
// cross-account/region badge goes, chosen so that nothing drawn above the edge
// covers it: no node, and (up to AVOID_EDGES_MAX edges) no edge or marker drawn
// after it. Hence the reverse order: later edges are placed first.
//
// Each edge also gets `bal`, an invisible box centred on that point and
// enclosing the curve. The element's bounding box is then centred on the
// marker point: pointing at "the middle of the element", as browser tests do,
// lands on the edge (the middle of a curve's own box is usually off it).
function placeMarkers(edges, nodes) {
  const occupied = new Set(nodes.map((n) => cellOf(n.x, n.y)));
  const avoid = edges.length <= AVOID_EDGES_MAX;
  const marks = [];
  for (let i = edges.length - 1; i >= 0; i--) {
    const e = edges[i];
    const g = e.g;
    const free = (x, y) => {
      if (onNode(x, y, occupied)) return false;
      if (!avoid) return true;
      for (const m of marks) if (Math.abs(m[0] - x) < 24 && Math.abs(m[1] - y) < 14) return false;
      for (let j = i + 1; j < edges.length; j++) if (nearEdge(edges[j], x, y, 9)) return false;
      return true;
    };
    let mx = qAt(0.5, g.x0, g.cx, g.x1);
    let my = qAt(0.5, g.y0, g.cy, g.y1);
    for (const u of TRY_T) {
      const x = qAt(u, g.x0, g.cx, g.x1);
      const y = qAt(u, g.y0, g.cy, g.y1);
      if (free(x, y)) {
        mx = x;
        my = y;
        break;
      }
    }
    marks.push([mx, my]);
    const [x0, y0, x1, y1] = g.box;
    const hw = Math.max(mx - x0, x1 - mx) + BAL_PAD;
    const hh = Math.max(my - y0, y1 - my) + BAL_PAD;
    e.mx = r1(mx);
    e.my = r1(my);
    e.bal = { x: r1(mx - hw), y: r1(my - hh), w: r1(2 * hw), h: r1(2 * hh) };
  }
  for (const e of edges) delete e.g;
}
