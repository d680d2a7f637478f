// What the page says about one VPC or peering: the pinned details panel and
// the hover tooltip. Countdowns run on the simulator's clock: the server's
// expires_in_secs, minus the seconds elapsed since we fetched it.
import { dashOf } from './layout.js';
import { elapsedSecs, formatDuration, useSecondTick } from './time.js';

export function indexTopology(t) {
  const vpcById = new Map();
  const peeringById = new Map();
  const peeringsByVpc = new Map();
  const groupById = new Map();
  const accountByUin = new Map();
  const stateInfo = {};
  if (t) {
    for (const v of t.vpcs || []) vpcById.set(v.id, v);
    for (const g of t.groups || []) groupById.set(g.id, g);
    for (const a of t.accounts || []) accountByUin.set(a.uin, a);
    for (const s of t.states || []) stateInfo[s.state] = s;
    for (const p of t.peerings || []) {
      peeringById.set(p.id, p);
      for (const id of [p.vpc, p.peer_vpc]) {
        if (!peeringsByVpc.has(id)) peeringsByVpc.set(id, []);
        if (p.vpc !== p.peer_vpc || id === p.vpc) peeringsByVpc.get(id).push(p);
      }
    }
  }
  return { vpcById, peeringById, peeringsByVpc, groupById, accountByUin, stateInfo };
}

// What to light up around a selection: a VPC's peerings, peers and the VPCs
// its blocks overlap; a peering's two ends.
export function relatedOf(sel, idx) {
  const out = { vpcs: new Set(), pcx: new Set(), overlaps: new Set() };
  if (!sel) return out;
  if (sel.kind === 'vpc') {
    for (const p of idx.peeringsByVpc.get(sel.id) || []) {
      out.pcx.add(p.id);
      out.vpcs.add(p.vpc === sel.id ? p.peer_vpc : p.vpc);
    }
    const v = idx.vpcById.get(sel.id);
    for (const o of (v && v.overlaps) || []) out.overlaps.add(o);
  } else {
    const p = idx.peeringById.get(sel.id);
    if (p) {
      out.vpcs.add(p.vpc);
      out.vpcs.add(p.peer_vpc);
    }
  }
  return out;
}

export function StateLabel({ state, info }) {
  const s = info[state] || {};
  const dash = dashOf(s.style);
  return (
    <span class="state" data-state-label={state}>
      <svg width="34" height="8" aria-hidden="true">
        <line x1="1" y1="4" x2="33" y2="4" stroke={s.color || '#666'} stroke-width="3" stroke-dasharray={dash || undefined} />
      </svg>
      {state}
    </span>
  );
}

function Link({ kind, id, onSelect, children }) {
  return (
    <button type="button" class="link" onClick={() => onSelect({ kind, id })}>
      {children || id}
    </button>
  );
}

function Quota({ quota }) {
  const names = Object.keys(quota || {}).sort();
  if (!names.length) return <span class="muted">—</span>;
  return (
    <ul class="quota">
      {names.map((n) => {
        const q = quota[n];
        const full = q.limit != null && Number(q.used) >= Number(q.limit);
        return (
          <li key={n} class={full ? 'full' : ''}>
            <code>{n}</code> {q.used}/{q.limit}
            {full ? ' (full)' : ''}
          </li>
        );
      })}
    </ul>
  );
}

function Tags({ tags }) {
  if (!tags || !tags.length) return <span class="muted">none</span>;
  return tags.map((t) => (
    <span key={t.key} class="tag">
      {t.key}={t.value}
    </span>
  ));
}

function Countdown({ p, fetchedAt }) {
  useSecondTick();
  if (p.state !== 'PENDING' || p.expires_in_secs == null) return null;
  const left = Number(p.expires_in_secs) - Math.floor(elapsedSecs(fetchedAt));
  return (
    <span class="countdown" data-testid="countdown" data-seconds={Math.max(0, left)}>
      {left > 0 ? `expires in ${formatDuration(left)}` : 'expiring now…'}
    </span>
  );
}

function accountLabel(idx, uin) {
  const a = idx.accountByUin.get(uin);
  return a && a.name ? `${a.name} (${uin})` : uin;
}

function Row({ k, children }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function Details({ sel, idx, fetchedAt, onSelect, onFocus, focus }) {
  let body;
  if (!sel) {
    body = <p class="muted">Click a VPC or a peering to see its details. Hover for a summary.</p>;
  } else if (sel.kind === 'vpc') {
    const v = idx.vpcById.get(sel.id);
    body = v ? <VpcDetails v={v} idx={idx} fetchedAt={fetchedAt} onSelect={onSelect} onFocus={onFocus} focus={focus} /> : <Gone id={sel.id} />;
  } else {
    const p = idx.peeringById.get(sel.id);
    body = p ? <PeeringDetails p={p} idx={idx} fetchedAt={fetchedAt} onSelect={onSelect} /> : <Gone id={sel.id} />;
  }
  return (
    <section class="panel details" data-testid="details" aria-live="polite" aria-label="Details">
      <h2>Details</h2>
      {body}
    </section>
  );
}

const Gone = ({ id }) => <p class="muted"><code>{id}</code> is no longer in the topology.</p>;

function VpcDetails({ v, idx, fetchedAt, onSelect, onFocus, focus }) {
  const ps = idx.peeringsByVpc.get(v.id) || [];
  const g = idx.groupById.get(v.group);
  const overlaps = v.overlaps || [];
  const overlapCount = v.overlap_count != null ? Number(v.overlap_count) : overlaps.length;
  return (
    <div data-kind="vpc" data-id={v.id}>
      <h3>
        VPC <code>{v.id}</code> {v.name && <span class="name">{v.name}</span>}
        {v.deleted && <span class="badge del">deleted</span>}
        {overlapCount > 0 && <span class="badge ovl">overlap</span>}
      </h3>
      <div class="actions">
        {focus === v.id ? (
          <button type="button" onClick={() => onFocus(null)}>Show all</button>
        ) : (
          <button type="button" onClick={() => onFocus(v.id)}>Show only this VPC and its peers</button>
        )}
      </div>
      <dl>
        <Row k="Legacy id">{v.legacy_id || '—'}</Row>
        <Row k="Account">{accountLabel(idx, v.uin)}</Row>
        <Row k="Region">{v.region}</Row>
        <Row k="Blocks">
          <code>{v.cidr_block}</code>
          {(v.assistant_cidr_blocks || []).map((b) => (
            <span key={b}>
              {' '}
              <code>{b}</code> <span class="muted">(assistant)</span>
            </span>
          ))}
        </Row>
        <Row k="Created">{v.create_time}</Row>
        <Row k="Subnets / route tables">
          {v.subnets ?? '—'} / {v.route_tables ?? '—'}
        </Row>
        <Row k="Tags">
          <Tags tags={v.tags} />
        </Row>
        <Row k="Quota (VPC)">
          <Quota quota={v.quota} />
        </Row>
        {g && (
          <Row k="Quota (account, region)">
            <Quota quota={g.quota} />
          </Row>
        )}
        <Row k="Overlaps">
          {overlapCount === 0 ? (
            <span class="muted">none</span>
          ) : (
            <div class="overlaps" data-testid="overlaps">
              {overlaps.map((o) => {
                const ov = idx.vpcById.get(o);
                return (
                  <div key={o}>
                    <Link kind="vpc" id={o} onSelect={onSelect} />
                    {ov && (
                      <span class="muted">
                        {' '}
                        {ov.name} · {accountLabel(idx, ov.uin)} · {ov.region} · {[ov.cidr_block, ...(ov.assistant_cidr_blocks || [])].join(', ')}
                      </span>
                    )}
                  </div>
                );
              })}
              {overlapCount > overlaps.length && <div class="muted">…and {overlapCount - overlaps.length} more</div>}
            </div>
          )}
        </Row>
      </dl>
      <h4>Peerings ({ps.length})</h4>
      {ps.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="plist">
          {ps.map((p) => {
            const other = p.vpc === v.id ? p.peer_vpc : p.vpc;
            return (
              <li key={p.id}>
                <Link kind="pcx" id={p.id} onSelect={onSelect} /> <StateLabel state={p.state} info={idx.stateInfo} />{' '}
                {p.vpc === v.id ? '→' : '←'} <Link kind="vpc" id={other} onSelect={onSelect} />
                <CrossBadges p={p} />
                {p.state === 'PENDING' && (
                  <>
                    {' '}
                    <Countdown p={p} fetchedAt={fetchedAt} />
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function CrossBadges({ p }) {
  return (
    <>
      {p.cross_account && <span class="badge xa" title="the two ends belong to different accounts">cross-account</span>}
      {p.cross_region && <span class="badge xr" title="the two ends are in different regions">cross-region</span>}
    </>
  );
}

function End({ role, id, uin, region, idx, onSelect }) {
  const v = idx.vpcById.get(id);
  return (
    <div class="end">
      <div>
        <strong>{role}</strong> <Link kind="vpc" id={id} onSelect={onSelect} /> {v && v.name && <span class="name">{v.name}</span>}
        {v && v.deleted && <span class="badge del">deleted</span>}
      </div>
      <div class="muted">
        {accountLabel(idx, uin)} · {region}
        {v ? ' · ' + [v.cidr_block, ...(v.assistant_cidr_blocks || [])].join(', ') : ''}
      </div>
      {v && <Quota quota={v.quota} />}
    </div>
  );
}

function PeeringDetails({ p, idx, fetchedAt, onSelect }) {
  return (
    <div data-kind="peering" data-id={p.id}>
      <h3>
        Peering <code>{p.id}</code> {p.name && <span class="name">{p.name}</span>}
      </h3>
      <p>
        <StateLabel state={p.state} info={idx.stateInfo} /> <CrossBadges p={p} /> <Countdown p={p} fetchedAt={fetchedAt} />
      </p>
      <End role="Requester" id={p.vpc} uin={p.uin} region={p.region} idx={idx} onSelect={onSelect} />
      <End role="Accepter" id={p.peer_vpc} uin={p.peer_uin} region={p.peer_region} idx={idx} onSelect={onSelect} />
      <dl>
        <Row k="Created">{p.create_time}</Row>
        {p.expire_time && <Row k={p.state === 'EXPIRED' ? 'Expired' : 'Expires'}>{p.expire_time}</Row>}
        <Row k="Bandwidth">{p.bandwidth == null ? 'uncapped' : `${p.bandwidth} Mbps`}</Row>
        <Row k="Charge type">{p.charge_type || '—'}</Row>
        <Row k="Type">{p.type || '—'}</Row>
        <Row k="QoS level">{p.qos_level || '—'}</Row>
        <Row k="Routes via it">{p.routes ?? 0}</Row>
        <Row k="Tags">
          <Tags tags={p.tags} />
        </Row>
      </dl>
    </div>
  );
}

// The hover summary (short; the panel has the rest).
export function Tip({ hover, idx, fetchedAt }) {
  if (hover.kind === 'vpc') {
    const v = idx.vpcById.get(hover.id);
    if (!v) return null;
    const n = (idx.peeringsByVpc.get(v.id) || []).length;
    const oc = v.overlap_count != null ? Number(v.overlap_count) : (v.overlaps || []).length;
    return (
      <div>
        <div>
          <strong>{v.name || v.id}</strong> <code>{v.id}</code>
        </div>
        <div>
          {accountLabel(idx, v.uin)} · {v.region}
        </div>
        <div>{[v.cidr_block, ...(v.assistant_cidr_blocks || [])].join(', ')}</div>
        <div>
          {n} peering{n === 1 ? '' : 's'}
          {oc ? ` · overlaps ${oc} VPC${oc === 1 ? '' : 's'}` : ''}
          {v.deleted ? ' · deleted' : ''}
        </div>
      </div>
    );
  }
  const p = idx.peeringById.get(hover.id);
  if (!p) return null;
  return (
    <div>
      <div>
        <code>{p.id}</code> {p.name}
      </div>
      <div>
        <StateLabel state={p.state} info={idx.stateInfo} /> <CrossBadges p={p} />
      </div>
      <div>
        <code>{p.vpc}</code> → <code>{p.peer_vpc}</code>
      </div>
      <Countdown p={p} fetchedAt={fetchedAt} />
    </div>
  );
}
