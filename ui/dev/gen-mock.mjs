// Writes a big mock topology (default 50 accounts x 2 regions x 10 VPCs =
// 1,000 VPCs and ~1,000 peerings of mixed states) to check the page's speed.
// Deterministic (seeded), so two runs give the same file.
//
//   node dev/gen-mock.mjs [--accounts 50] [--regions 2] [--per 10] [--peerings 1000] [--out dev/mock-big.json]
//   node dev/serve.mjs --mock dev/mock-big.json
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (n, d) => {
  const i = args.indexOf('--' + n);
  return i >= 0 ? args[i + 1] : d;
};
const ACCOUNTS = +arg('accounts', 50);
const REGIONS = ['ap-guangzhou', 'ap-shanghai', 'ap-beijing', 'ap-chengdu', 'ap-hongkong', 'ap-singapore'].slice(0, +arg('regions', 2));
const PER = +arg('per', 10);
const PEERINGS = +arg('peerings', ACCOUNTS * REGIONS.length * PER);
const OUT = arg('out', join(here, 'mock-big.json'));

// mulberry32: small seeded PRNG
let seed = 0x5eed1234;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const ri = (n) => Math.floor(rnd() * n);

const NOW = 1772366400; // 2026-03-01 12:00:00
const fmt = (s) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
const hex = (n, w = 8) => n.toString(16).padStart(w, '0');

const accounts = [];
const groups = [];
const vpcs = [];
for (let a = 0; a < ACCOUNTS; a++) {
  const uin = String(200000 + a);
  accounts.push({ uin, name: 'acct' + a, create_time: fmt(NOW - 86400 * 30) });
  for (const region of REGIONS) {
    const g = { id: `${uin}/${region}`, uin, account_name: 'acct' + a, region, vpcs: [], quota: { 'appid-max-vpcs': { used: PER, limit: 20 } } };
    groups.push(g);
    for (let j = 0; j < PER; j++) {
      const n = vpcs.length;
      // Distinct /20s, except every 40th VPC reuses a neighbour's block: overlaps.
      const k = n % 40 === 39 ? n - 1 - ri(20) : n;
      const cidr = `10.${(k >> 4) & 255}.${(k & 15) << 4}.0/20`;
      const v = {
        id: 'vpc-' + hex(0x10000000 + n * 7919),
        legacy_id: `gz_vpc_${n + 1}`,
        name: `a${a}-${region.slice(3, 6)}-${j}`,
        uin, region, group: g.id, cidr_block: cidr,
        assistant_cidr_blocks: n % 17 === 0 ? [`172.${16 + (n % 16)}.${n % 256}.0/24`] : [],
        create_time: fmt(NOW - 86400 * 20 + n), deleted: false, tags: n % 5 === 0 ? [{ key: 'team', value: 't' + (n % 7) }] : [],
        subnets: n % 4, route_tables: 1,
        quota: { 'vpc-max-vpcpeers': { used: 0, limit: 10 }, 'vpc-max-available-vpcpeers': { used: 0, limit: 10 } },
        overlaps: [], overlap_count: 0,
      };
      vpcs.push(v);
      g.vpcs.push(v.id);
    }
  }
}

// Overlaps, the slow obvious way (fine at this size).
const range = (c) => {
  const [ip, len] = c.split('/');
  const n = ip.split('.').reduce((s, o) => s * 256 + +o, 0);
  const size = 2 ** (32 - +len);
  return [n, n + size - 1];
};
const blocks = vpcs.map((v) => [v.cidr_block, ...v.assistant_cidr_blocks].map(range));
for (let i = 0; i < vpcs.length; i++)
  for (let j = i + 1; j < vpcs.length; j++)
    if (blocks[i].some(([a, b]) => blocks[j].some(([c, d]) => a <= d && c <= b))) {
      vpcs[i].overlaps.push(vpcs[j].id);
      vpcs[j].overlaps.push(vpcs[i].id);
    }
for (const v of vpcs) {
  v.overlaps.sort();
  v.overlap_count = v.overlaps.length;
  v.overlaps = v.overlaps.slice(0, 20);
}

const STATES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'PENDING', 'PENDING', 'EXPIRED', 'REJECTED', 'DELETED'];
const peerings = [];
const joined = new Set();
for (let i = 0; peerings.length < PEERINGS && i < PEERINGS * 10; i++) {
  const a = vpcs[ri(vpcs.length)];
  // Mostly within the account, sometimes across accounts.
  const pool = rnd() < 0.6 ? vpcs.filter((v) => v.uin === a.uin) : vpcs;
  const b = pool[ri(pool.length)];
  const key = a.id < b.id ? a.id + b.id : b.id + a.id;
  if (a.id === b.id || joined.has(key)) continue;
  joined.add(key);
  const state = STATES[ri(STATES.length)];
  const created = NOW - ri(86400 * 10);
  const pending = state === 'PENDING';
  const exp = pending || state === 'EXPIRED' ? (pending ? NOW + 60 + ri(86400 * 7) : NOW - ri(86400)) : null;
  peerings.push({
    id: 'pcx-' + hex(0x20000000 + peerings.length * 104729), name: `p${peerings.length}`, state,
    vpc: a.id, peer_vpc: b.id, uin: a.uin, peer_uin: b.uin, region: a.region, peer_region: b.region,
    cross_account: a.uin !== b.uin, cross_region: a.region !== b.region,
    create_time: fmt(created), expire_time: exp === null ? null : fmt(exp), expires_in_secs: pending ? exp - NOW : null,
    bandwidth: ri(4) === 0 ? 100 : null, charge_type: 'POSTPAID_BY_DAY_MAX', type: 'VPC_PEER', qos_level: 'AU', tags: [], routes: state === 'ACTIVE' ? ri(3) : 0,
  });
  if (state !== 'DELETED')
    for (const v of [a, b]) {
      v.quota['vpc-max-vpcpeers'].used++;
      if (state === 'ACTIVE') v.quota['vpc-max-available-vpcpeers'].used++;
    }
}

const topo = {
  clock: fmt(NOW),
  now: NOW,
  states: [
    { state: 'PENDING', color: '#d97706', style: 'dashed', shown_by_default: true },
    { state: 'ACTIVE', color: '#15803d', style: 'solid', shown_by_default: true },
    { state: 'EXPIRED', color: '#6b7280', style: 'dotted', shown_by_default: true },
    { state: 'REJECTED', color: '#b91c1c', style: 'dotted', shown_by_default: true },
    { state: 'DELETED', color: '#9ca3af', style: 'dotted', shown_by_default: false },
  ],
  accounts,
  groups,
  vpcs,
  peerings,
};
writeFileSync(OUT, JSON.stringify(topo));
console.log(`${OUT}: ${vpcs.length} VPCs, ${peerings.length} peerings, ${vpcs.filter((v) => v.overlap_count).length} VPCs overlapping`);
