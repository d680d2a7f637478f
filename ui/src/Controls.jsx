// The admin controls. Each one is a POST /ui/api/admin/<Method>: the page
// never computes the simulator's state itself, it asks and then re-reads.
import { useEffect, useRef, useState } from 'preact/hooks';
import { admin, num } from './api.js';
import { clockNow, formatDuration, formatSimTime, useSecondTick } from './time.js';

// Runs one admin call at a time per section and keeps its error for display.
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (method, body, after) => {
    setBusy(true);
    try {
      const res = await admin(method, body);
      setError(null);
      if (after) await after(res);
      return res;
    } catch (e) {
      setError(e && e.code ? e : { code: 'Error', message: String(e) });
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}

// Keeps a list fresh (on mount, on `tick`, after an action) without
// disabling the buttons meanwhile: these re-reads also run in the background
// while calls stream in, and must not make the controls flicker.
function useList(method, field, tick) {
  const [list, setList] = useState([]);
  const [error, setError] = useState(null);
  const load = () =>
    admin(method, {}).then(
      (r) => {
        setList((r && r[field]) || []);
        setError(null);
      },
      (e) => setError(e)
    );
  useEffect(() => {
    load();
  }, [tick]);
  return { list, error, load };
}

function ErrorLine({ error }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" data-testid="control-error">
      <strong>{error.code}</strong>: {error.message}
      {error.request_id ? <span class="muted"> (request {error.request_id})</span> : null}
    </p>
  );
}

const numOrUndef = (s) => {
  const t = String(s).trim();
  return t === '' ? undefined : Number(t);
};

export function ClockPanel({ anchor, offset, onClock }) {
  useSecondTick();
  const act = useAction();
  const [secs, setSecs] = useState('3600');
  const [to, setTo] = useState('');
  const text = formatSimTime(clockNow(anchor));

  const advance = (seconds) => act.run('AdvanceClock', { seconds }, (r) => onClock(r.clock));
  return (
    <section class="panel clock" aria-label="Clock">
      <h2>Clock</h2>
      <p class="now">
        <output data-testid="clock" aria-label="Simulator time">{text}</output>
        {offset != null && <span class="muted"> offset {offset >= 0 ? '+' : '−'}{formatDuration(Math.abs(offset))}</span>}
      </p>
      <form
        class="row"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          advance(numOrUndef(secs));
        }}
      >
        <label>
          Advance by <input type="number" data-testid="advance-seconds" value={secs} onInput={(e) => setSecs(e.currentTarget.value)} class="w-num" /> s
        </label>
        <button type="submit" data-testid="advance" disabled={act.busy}>
          Advance
        </button>
      </form>
      <div class="row presets" role="group" aria-label="Advance presets">
        <button type="button" data-testid="advance-1h" disabled={act.busy} onClick={() => advance(3600)}>+1h</button>
        <button type="button" data-testid="advance-1d" disabled={act.busy} onClick={() => advance(86400)}>+1d</button>
        <button type="button" data-testid="advance-7d" disabled={act.busy} onClick={() => advance(604800)}>+7d</button>
      </div>
      <form
        class="row"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          act.run('SetClock', { time: to.trim() }, (r) => onClock(r.clock));
        }}
      >
        <label>
          Set to <input type="text" data-testid="set-time" placeholder="YYYY-MM-DD HH:MM:SS" value={to} onFocus={() => !to && setTo(text)} onInput={(e) => setTo(e.currentTarget.value)} class="w-time" />
        </label>
        <button type="submit" data-testid="set-clock" disabled={act.busy}>
          Set
        </button>
      </form>
      <ErrorLine error={act.error} />
    </section>
  );
}

export function Snapshots({ tick, afterRestore }) {
  const act = useAction();
  const { list, error: listError, load } = useList('ListSnapshots', 'snapshots', tick);
  const [name, setName] = useState('');

  return (
    <section class="panel snapshots" aria-label="Snapshots">
      <h2>Snapshots</h2>
      <form
        class="row"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          act.run('SaveSnapshot', { name: name.trim() }, () => {
            setName('');
            return load();
          });
        }}
      >
        <label>
          Name <input type="text" data-testid="snapshot-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="snapshot-save" disabled={act.busy}>
          Save
        </button>
      </form>
      <ErrorLine error={act.error || listError} />
      {list.length === 0 ? (
        <p class="muted">No snapshots.</p>
      ) : (
        <ul class="rows">
          {list.map((s) => (
            <li key={s.name} data-snapshot={s.name}>
              <div>
                <strong>{s.name}</strong> <span class="muted">{s.create_time}</span>
                <div class="muted small">
                  {num(s.accounts) ?? 0} accounts · {num(s.vpcs) ?? 0} VPCs · {num(s.peerings) ?? 0} peerings
                </div>
              </div>
              <div class="btns">
                <button type="button" data-action="restore" disabled={act.busy} onClick={() => act.run('RestoreSnapshot', { name: s.name }, afterRestore)} aria-label={`Restore snapshot ${s.name}`}>
                  Restore
                </button>
                <button type="button" data-action="delete" disabled={act.busy} onClick={() => act.run('DeleteSnapshot', { name: s.name }, load)} aria-label={`Delete snapshot ${s.name}`}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const FAULT_KINDS = ['FAIL_BEFORE', 'FAIL_AFTER_COMMIT', 'DELAY_BEFORE', 'DELAY_AFTER'];
// README "Faults": the actions a rule can match; "*" is any.
const ACTIONS = [
  '*', 'CreateVpcPeeringConnection', 'AcceptVpcPeeringConnection', 'RejectVpcPeeringConnection', 'DeleteVpcPeeringConnection',
  'ModifyVpcPeeringConnection', 'EnableVpcPeeringConnection', 'DescribeVpcPeeringConnections', 'CreateVpc', 'DescribeVpcEx',
  'DeleteVpc', 'CreateAssistantCidr', 'DeleteAssistantCidr', 'DescribeAssistantCidr', 'ModifyVpcAttribute', 'CreateSubnet',
  'CreateSubnets', 'DescribeSubnets', 'DeleteSubnet', 'ModifySubnetAttribute', 'CreateRouteTable', 'DescribeRouteTables',
  'DeleteRouteTable', 'ModifyRouteTableAttribute', 'ReplaceRouteTableAssociation', 'CreateRoutes', 'DeleteRoutes',
  'ReplaceRoutes', 'EnableRoutes', 'DisableRoutes',
];
const CODES = ['InternalError', 'RequestLimitExceeded', 'ResourceUnavailable', 'LimitExceeded', 'PeeringConnectionLimitExceeded', 'ResourceInUse'];

const EMPTY_FAULT = { action: '', uin: '', region: '', kind: 'FAIL_BEFORE', error_code: '', message: '', delay_ms: '', times: '', probability: '', seed: '' };

export function Faults({ tick, regions, uins }) {
  const act = useAction();
  const { list, error: listError, load } = useList('ListFaults', 'faults', tick);
  const [f, setF] = useState(EMPTY_FAULT);

  const field = (k) => ({ value: f[k], onInput: (e) => setF({ ...f, [k]: e.currentTarget.value }) });
  // Send what was filled in; the server checks which fields go with the kind.
  const body = () => {
    const b = { action: f.action.trim(), kind: f.kind };
    for (const k of ['uin', 'region', 'error_code', 'message']) if (f[k].trim()) b[k] = f[k].trim();
    for (const k of ['delay_ms', 'times', 'probability', 'seed']) {
      const v = numOrUndef(f[k]);
      if (v !== undefined) b[k] = v;
    }
    return b;
  };
  const failing = f.kind.startsWith('FAIL');

  return (
    <section class="panel faults" aria-label="Fault rules">
      <h2>Fault rules</h2>
      <form
        class="fault-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          act.run('AddFault', body(), load);
        }}
      >
        <label>
          action <input type="text" list="dl-actions" data-testid="fault-action" placeholder="CreateVpcPeeringConnection or *" {...field('action')} />
        </label>
        <label>
          kind{' '}
          <select data-testid="fault-kind" value={f.kind} onChange={(e) => setF({ ...f, kind: e.currentTarget.value })}>
            {FAULT_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          caller uin <input type="text" list="dl-uins" data-testid="fault-uin" placeholder="any" {...field('uin')} />
        </label>
        <label>
          region <input type="text" list="dl-regions" data-testid="fault-region" placeholder="any" {...field('region')} />
        </label>
        <label class={failing ? '' : 'off'}>
          error code <input type="text" list="dl-codes" data-testid="fault-error-code" placeholder="FAIL_* only" {...field('error_code')} />
        </label>
        <label class={failing ? '' : 'off'}>
          message <input type="text" data-testid="fault-message" placeholder="FAIL_* only, optional" {...field('message')} />
        </label>
        <label class={failing ? 'off' : ''}>
          delay ms <input type="number" data-testid="fault-delay-ms" placeholder="DELAY_* only" {...field('delay_ms')} />
        </label>
        <label>
          times <input type="number" data-testid="fault-times" placeholder="no limit" {...field('times')} />
        </label>
        <label>
          probability <input type="number" step="any" data-testid="fault-probability" placeholder="always" {...field('probability')} />
        </label>
        <label>
          seed <input type="number" data-testid="fault-seed" placeholder="0" {...field('seed')} />
        </label>
        <div class="btns">
          <button type="submit" data-testid="fault-add" disabled={act.busy}>
            Add rule
          </button>
          <button type="button" onClick={() => setF(EMPTY_FAULT)}>
            Clear form
          </button>
        </div>
        <datalist id="dl-actions">{ACTIONS.map((a) => <option key={a} value={a} />)}</datalist>
        <datalist id="dl-codes">{CODES.map((a) => <option key={a} value={a} />)}</datalist>
        <datalist id="dl-regions">{regions.map((a) => <option key={a} value={a} />)}</datalist>
        <datalist id="dl-uins">{uins.map((a) => <option key={a} value={a} />)}</datalist>
      </form>
      <ErrorLine error={act.error || listError} />
      {list.length === 0 ? (
        <p class="muted">No rules.</p>
      ) : (
        <>
          <ul class="rows">
            {list.map((r) => (
              <li key={r.fault_id} data-fault={r.fault_id}>
                <div>
                  <strong class="mono">{r.fault_id}</strong> <span class="badge">{r.kind}</span> <strong>{r.action}</strong>
                  <div class="muted small">
                    {r.uin ? `uin ${r.uin}` : 'any caller'} · {r.region || 'any region'} ·{' '}
                    {String(r.kind).startsWith('DELAY') ? `delay ${num(r.delay_ms)} ms` : r.error_code}
                    {' · '}
                    {r.times == null ? 'no limit' : `${num(r.times)} left`}
                    {r.probability == null ? '' : ` · p=${num(r.probability)}`}
                  </div>
                  <div class="small">
                    matched <strong data-counter="matched">{num(r.matched) ?? 0}</strong> · fired <strong data-counter="fired">{num(r.fired) ?? 0}</strong>
                  </div>
                </div>
                <div class="btns">
                  <button type="button" data-action="delete" disabled={act.busy} onClick={() => act.run('DeleteFault', { fault_id: r.fault_id }, load)} aria-label={`Delete fault rule ${r.fault_id}`}>
                    Delete
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="btns">
        <button type="button" data-testid="faults-clear" disabled={act.busy} onClick={() => act.run('ClearFaults', {}, load)}>
          Delete all rules
        </button>
      </div>
    </section>
  );
}

export function Reset({ afterReset }) {
  const act = useAction();
  const [asking, setAsking] = useState(false);
  const [empty, setEmpty] = useState(false);
  const confirmBtn = useRef(null);
  useEffect(() => {
    if (asking && confirmBtn.current) confirmBtn.current.focus();
  }, [asking]);

  return (
    <section class="panel reset" aria-label="Reset">
      <h2>Reset</h2>
      {!asking ? (
        <button type="button" data-testid="reset" class="danger" onClick={() => setAsking(true)}>
          Reset…
        </button>
      ) : (
        <div class="confirm" role="alertdialog" aria-label="Confirm reset" aria-describedby="reset-q">
          <p id="reset-q">
            Throw away the whole state and go back to {empty ? 'nothing' : 'the scenario the server started with'}?
          </p>
          <label>
            <input type="checkbox" data-testid="reset-empty" checked={empty} onChange={(e) => setEmpty(e.currentTarget.checked)} /> start empty instead
          </label>
          <div class="btns">
            <button
              type="button"
              ref={confirmBtn}
              data-testid="reset-confirm"
              class="danger"
              disabled={act.busy}
              onClick={() =>
                act.run('Reset', { empty }, async () => {
                  setAsking(false);
                  await afterReset();
                })
              }
            >
              Reset now
            </button>
            <button type="button" data-testid="reset-cancel" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorLine error={act.error} />
    </section>
  );
}
