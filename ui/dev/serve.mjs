// A stand-in for `vpcsim serve --ui`, to try the page without the Rust server.
// No dependencies. Serves dist/ at /ui, a mock topology at /ui/api/topology,
// an SSE stream at /ui/api/stream that makes something happen every few
// seconds, and plausible answers at /ui/api/admin/<Method>.
//
//   node dev/serve.mjs [--port 8023] [--mock dev/mock.json] [--interval 3000] [--quiet]
//   (--interval 0: nothing happens by itself; POST /dev/tick makes the next thing happen)
//
// It is only a mock: enough of the contract (ui/CONTRACT.md)
// to exercise the page, not a model of vpcsim.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf('--' + name);
  return i >= 0 ? args[i + 1] : dflt;
};
const PORT = Number(arg('port', process.env.PORT || 8023));
const MOCK = arg('mock', join(root, 'dev/mock.json'));
const INTERVAL = Number(arg('interval', 3000));
const QUIET = args.includes('--quiet');

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";
const initial = JSON.parse(readFileSync(MOCK, 'utf8'));
const clone = (x) => JSON.parse(JSON.stringify(x));

// --- the simulated state ----------------------------------------------------
let topo = clone(initial);
const started = Date.now();
let offset = 0; // seconds the clock was moved
let baseNow = initial.now; // the mock's clock reading at `started`
const snapshots = new Map();
let faults = [];
let faultSeq = 1;
let events = [];
let eventSeq = 1;
let reqSeq = 1;
const clients = new Set();

const nowSecs = () => baseNow + Math.floor((Date.now() - started) / 1000) + offset;
const fmt = (secs) => new Date(secs * 1000).toISOString().slice(0, 19).replace('T', ' ');
const parseTime = (s) => {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s || '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000 : NaN;
};
const clockMsg = () => ({ now: fmt(nowSecs()), offset_seconds: String(offset) });
const requestId = () => 'mock-' + String(reqSeq++).padStart(6, '0') + '-' + Math.random().toString(16).slice(2, 10);

// Effective states on the clock, as the server computes them.
function currentTopology() {
  const now = nowSecs();
  for (const p of topo.peerings) {
    if (p.state === 'PENDING' && p.expire_time) {
      const left = parseTime(p.expire_time) - now;
      if (left <= 0) {
        p.state = 'EXPIRED';
        p.expires_in_secs = null;
        emitEvent({ actor: 'system', request_id: '', resource_type: 'peering', resource_id: p.id, kind: 'expired', old_state: 'PENDING', new_state: 'EXPIRED' });
      } else p.expires_in_secs = left;
    }
  }
  return { ...topo, clock: fmt(now), now };
}

// --- the stream -------------------------------------------------------------
function send(res, type, data, id) {
  res.write(`event: ${type}\n${id != null ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}
function emitEvent(e) {
  const ev = { event_id: String(eventSeq++), time: fmt(nowSecs()), ...e };
  events.push(ev);
  if (events.length > 1000) events = events.slice(-1000);
  for (const c of clients) send(c, 'event', ev, ev.event_id);
  return ev;
}
function emitCall(c) {
  const call = { time: fmt(nowSecs()), front_end: 'api3', caller: '-', code: 'Ok', latency_ms: +(Math.random() * 5 + 0.3).toFixed(2), throttled: false, ...c };
  for (const cl of clients) send(cl, 'call', call);
}

// Something happens every INTERVAL ms, in a fixed rotation.
const pick = (arr, i) => arr[i % arr.length];
let tick = 0;
function activity() {
  tick++;
  const live = topo.vpcs.filter((v) => !v.deleted);
  const rid = requestId();
  switch (tick % 6) {
    case 1: {
      // An SDK creates a peering request.
      const a = pick(live, tick * 7);
      const b = pick(live, tick * 13 + 1);
      if (!a || !b || a.id === b.id) break;
      const now = nowSecs();
      const id = 'pcx-' + Math.random().toString(16).slice(2, 10);
      topo.peerings.push({
        id, name: 'sdk-' + tick, state: 'PENDING', vpc: a.id, peer_vpc: b.id, uin: a.uin, peer_uin: b.uin,
        region: a.region, peer_region: b.region, cross_account: a.uin !== b.uin, cross_region: a.region !== b.region,
        create_time: fmt(now), expire_time: fmt(now + 7 * 86400), expires_in_secs: 7 * 86400,
        bandwidth: null, charge_type: 'POSTPAID_BY_DAY_MAX', type: 'VPC_PEER', qos_level: 'AU', tags: [], routes: 0,
      });
      emitEvent({ actor: a.uin, request_id: rid, resource_type: 'peering', resource_id: id, kind: 'created', old_state: '', new_state: 'PENDING' });
      emitCall({ request_id: rid, front_end: 'grpc', action: 'CreateVpcPeeringConnection', caller: a.uin });
      break;
    }
    case 2: {
      // Someone accepts the oldest pending request.
      const p = topo.peerings.find((x) => x.state === 'PENDING' && x.expires_in_secs > 300);
      if (!p) break;
      p.state = 'ACTIVE';
      p.expire_time = null;
      p.expires_in_secs = null;
      emitEvent({ actor: p.peer_uin, request_id: rid, resource_type: 'peering', resource_id: p.id, kind: 'accepted', old_state: 'PENDING', new_state: 'ACTIVE' });
      emitCall({ request_id: rid, action: 'AcceptVpcPeeringConnection', caller: p.peer_uin });
      break;
    }
    case 3:
      emitCall({ request_id: rid, front_end: 'legacy', action: 'DescribeVpcPeeringConnections', caller: pick(topo.accounts, tick).uin });
      break;
    case 4: {
      // A fault rule fires (a real one if there is one).
      const rule = faults.find((f) => f.kind.startsWith('FAIL')) || { fault_id: 'fault-mock0001', error_code: 'InternalError', action: 'CreateVpcPeeringConnection' };
      if (rule.matched !== undefined) {
        rule.matched = String(+rule.matched + 1);
        rule.fired = String(+rule.fired + 1);
      }
      const action = rule.action === '*' ? 'CreateVpcPeeringConnection' : rule.action;
      const caller = pick(topo.accounts, tick).uin;
      emitEvent({ actor: caller, request_id: rid, resource_type: 'fault', resource_id: rule.fault_id, kind: 'injected', old_state: action, new_state: rule.error_code || 'InternalError' });
      emitCall({ request_id: rid, action, caller, code: rule.error_code || 'InternalError' });
      break;
    }
    case 5:
      emitCall({ request_id: rid, action: 'CreateVpc', caller: pick(topo.accounts, tick).uin, code: 'RequestLimitExceeded', throttled: true });
      break;
    default:
      emitCall({ request_id: rid, front_end: 'grpc', action: 'DescribeVpcEx', caller: pick(topo.accounts, tick).uin });
  }
}
if (INTERVAL > 0) setInterval(activity, INTERVAL);

// --- admin ------------------------------------------------------------------
class ApiError {
  constructor(status, code, message) {
    Object.assign(this, { status, code, message });
  }
}
const int = (v) => (v === undefined || v === null || v === '' ? 0 : Number(v));

const ADMIN = {
  GetClock: () => ({ clock: clockMsg() }),
  AdvanceClock: ({ seconds }) => {
    const s = int(seconds);
    if (!Number.isInteger(s) || s <= 0) throw new ApiError(400, 'InvalidParameterValue.Range', `seconds must be a positive integer, got ${JSON.stringify(seconds)}`);
    offset += s;
    currentTopology();
    return { clock: clockMsg() };
  },
  SetClock: ({ time }) => {
    const t = parseTime(time);
    if (!Number.isFinite(t)) throw new ApiError(400, 'InvalidParameterValue.Malformed', `time must be "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(time || '')}`);
    offset += t - nowSecs();
    currentTopology();
    return { clock: clockMsg() };
  },
  SaveSnapshot: ({ name }) => {
    if (!name) throw new ApiError(400, 'MissingParameter', 'name is required');
    const snap = { name, create_time: fmt(nowSecs()), accounts: String(topo.accounts.length), vpcs: String(topo.vpcs.length), peerings: String(topo.peerings.length) };
    snapshots.set(name, { snap, topo: clone(topo), faults: clone(faults), clock: nowSecs() });
    return { snapshot: snap };
  },
  RestoreSnapshot: ({ name }) => {
    const s = snapshots.get(name);
    if (!s) throw new ApiError(404, 'InvalidSnapshot.NotFound', `no snapshot named ${JSON.stringify(name || '')}`);
    topo = clone(s.topo);
    faults = clone(s.faults);
    offset += s.clock - nowSecs();
    emitEvent({ actor: 'admin', request_id: requestId(), resource_type: 'snapshot', resource_id: name, kind: 'restored', old_state: '', new_state: '' });
    return { snapshot: s.snap };
  },
  ListSnapshots: () => ({ snapshots: [...snapshots.values()].map((s) => s.snap).sort((a, b) => (a.name < b.name ? -1 : 1)) }),
  DeleteSnapshot: ({ name }) => {
    if (!snapshots.delete(name)) throw new ApiError(404, 'InvalidSnapshot.NotFound', `no snapshot named ${JSON.stringify(name || '')}`);
    return {};
  },
  AddFault: (b) => {
    if (!b.action) throw new ApiError(400, 'MissingParameter', 'action is required');
    const kinds = ['FAIL_BEFORE', 'FAIL_AFTER_COMMIT', 'DELAY_BEFORE', 'DELAY_AFTER'];
    if (!kinds.includes(b.kind)) throw new ApiError(400, 'InvalidParameterValue', `kind must be one of ${kinds.join(', ')}`);
    const failing = b.kind.startsWith('FAIL');
    if (failing && b.delay_ms) throw new ApiError(400, 'InvalidParameter', 'delay_ms goes with DELAY_* kinds only');
    if (!failing && (b.error_code || b.message)) throw new ApiError(400, 'InvalidParameter', 'error_code and message go with FAIL_* kinds only');
    if (failing && !b.error_code) throw new ApiError(400, 'MissingParameter', 'error_code is required for FAIL_* kinds');
    if (!failing && !(int(b.delay_ms) >= 1 && int(b.delay_ms) <= 600000)) throw new ApiError(400, 'InvalidParameterValue.Range', 'delay_ms must be 1 to 600000');
    if (b.probability !== undefined && !(b.probability > 0 && b.probability <= 1)) throw new ApiError(400, 'InvalidParameterValue.Range', 'probability must be more than 0 and at most 1');
    const id = b.fault_id || 'fault-' + String(faultSeq++).padStart(8, '0');
    if (faults.some((f) => f.fault_id === id)) throw new ApiError(400, 'InvalidParameterValue', `fault ${id} exists`);
    const rule = {
      fault_id: id, action: b.action, uin: b.uin || '', region: b.region || '', kind: b.kind,
      error_code: b.error_code || '', message: b.message || '', delay_ms: String(int(b.delay_ms)),
      ...(b.times !== undefined ? { times: String(int(b.times)) } : {}),
      ...(b.probability !== undefined ? { probability: b.probability } : {}),
      seed: String(int(b.seed)), matched: '0', fired: '0', create_time: fmt(nowSecs()),
    };
    faults.push(rule);
    return { fault: rule };
  },
  ListFaults: () => ({ faults }),
  DeleteFault: ({ fault_id }) => {
    const f = faults.find((x) => x.fault_id === fault_id);
    if (!f) throw new ApiError(404, 'InvalidFault.NotFound', `no fault rule ${JSON.stringify(fault_id || '')}`);
    faults = faults.filter((x) => x !== f);
    return { fault: f };
  },
  ClearFaults: () => {
    const n = faults.length;
    faults = [];
    return { deleted: String(n) };
  },
  Reset: ({ empty }) => {
    topo = empty ? { ...clone(initial), accounts: [], groups: [], vpcs: [], peerings: [] } : clone(initial);
    faults = [];
    offset = 0;
    baseNow = initial.now - Math.floor((Date.now() - started) / 1000);
    return { scenario_loaded: !empty };
  },
  GetServerInfo: () => ({ version: '0.0.0-mock', commit: 'mock', front_ends: ['grpc', 'api3', 'legacy'] }),
  DescribeEvents: () => ({ total_count: String(events.length), events }),
};

// --- http -------------------------------------------------------------------
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function reply(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}
const json = (res, status, obj) => reply(res, status, 'application/json', JSON.stringify(obj));

function serveFile(res, rel) {
  try {
    const ext = rel.slice(rel.lastIndexOf('.'));
    reply(res, 200, TYPES[ext] || 'application/octet-stream', readFileSync(join(root, 'dist', rel)));
  } catch {
    reply(res, 404, 'text/plain', 'not found (did you run npm run build?)');
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  if (!QUIET && path !== '/ui/api/stream') console.log(req.method, path);

  if (req.method === 'GET' && (path === '/ui' || path === '/ui/')) return serveFile(res, 'index.html');
  if (req.method === 'GET' && /^\/ui\/assets\/app\.(js|css)$/.test(path)) return serveFile(res, path.slice('/ui/'.length));
  if (req.method === 'GET' && path === '/ui/api/topology') return json(res, 200, currentTopology());
  if (req.method === 'GET' && path === '/ui/api/stream') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'Content-Security-Policy': CSP });
    res.write(': hello\n\n'); // headers out now, even with nothing to replay
    for (const ev of events.slice(-200)) send(res, 'event', ev, ev.event_id);
    clients.add(res);
    const ka = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.on('close', () => {
      clearInterval(ka);
      clients.delete(res);
    });
    return;
  }
  // Dev only (not the contract): make the next thing happen now.
  if (req.method === 'POST' && path === '/dev/tick') {
    activity();
    return json(res, 200, { tick });
  }
  const m = /^\/ui\/api\/admin\/([A-Za-z]+)$/.exec(path);
  if (m && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const handler = ADMIN[m[1]];
      const rid = requestId();
      if (!handler) return json(res, 404, { code: 'InvalidAction', message: `no admin method ${m[1]}`, request_id: rid });
      let msg;
      try {
        msg = body ? JSON.parse(body) : {};
      } catch {
        return json(res, 400, { code: 'InvalidParameter', message: 'the body is not JSON', request_id: rid });
      }
      try {
        json(res, 200, handler(msg));
      } catch (e) {
        if (e instanceof ApiError) json(res, e.status, { code: e.code, message: e.message, request_id: rid });
        else json(res, 500, { code: 'InternalError', message: 'mock failure', request_id: rid });
      }
    });
    return;
  }
  reply(res, 404, 'text/plain', 'not found');
});
server.listen(PORT, '127.0.0.1', () => console.log(`vpcsim ui mock: http://127.0.0.1:${PORT}/ui  (topology: ${MOCK})`));
