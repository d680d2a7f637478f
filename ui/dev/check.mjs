// A quick look at the page in headless chromium against dev/serve.mjs (not
// the real browser tests, which live elsewhere): the hooks work, nothing
// leaves the origin, no console errors, and how long the big mock takes.
//
//   (cd dev && npm install)            # playwright-core, dev only
//   node dev/serve.mjs --port 8023 --interval 0 &   # and, for timing, a big one:
//   node dev/gen-mock.mjs && node dev/serve.mjs --port 8024 --mock dev/mock-big.json --interval 0 &
//   node dev/check.mjs [--small http://127.0.0.1:8023] [--big http://127.0.0.1:8024] [--shots /tmp]
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const arg = (n, d) => {
  const i = args.indexOf('--' + n);
  return i >= 0 ? args[i + 1] : d;
};
const SMALL = arg('small', 'http://127.0.0.1:8023');
const BIG = arg('big', '');
const SHOTS = arg('shots', '');
const exe = process.env.CHROMIUM || '/usr/bin/chromium';

let failures = 0;
const ok = (cond, what) => {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures++;
};

const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });

async function open(base) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const foreign = [];
  const errors = [];
  const origin = new URL(base).origin;
  page.on('request', (r) => {
    if (!r.url().startsWith(origin + '/')) foreign.push(r.url());
  });
  // (the 4xx answers the checks provoke on purpose log an error line each)
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, foreign, errors };
}

// --- the small mock: hooks and behaviour -----------------------------------
{
  const { page, foreign, errors } = await open(SMALL);
  await fetch(SMALL + '/ui/api/admin/Reset', { method: 'POST', body: '{}' }); // a fresh mock
  await page.goto(SMALL + '/ui');
  await page.waitForSelector('[data-vpc]');
  const vpcs = await page.locator('[data-vpc]').count();
  ok(vpcs === 8, `8 VPCs drawn (deleted one hidden): ${vpcs}`);
  ok((await page.locator('[data-overlap="true"]').count()) === 2, 'two VPCs flagged overlapping');
  ok((await page.locator('[data-state="DELETED"]').count()) === 0, 'DELETED edges hidden by default');
  await page.getByTestId('state-toggle-DELETED').check();
  ok((await page.locator('[data-state="DELETED"]').count()) === 1, 'toggle shows DELETED');
  ok((await page.locator('[data-vpc="vpc-old00009"]').count()) === 1, '...and the deleted VPC it names');
  await page.getByTestId('state-toggle-DELETED').uncheck();
  ok(/showing 8 of 9 VPCs/.test(await page.getByTestId('shown-count').textContent()), 'shown-count');

  await page.locator('[data-testid="live"][data-connected="true"]').waitFor({ timeout: 5000 });
  ok(true, 'live indicator connected');
  ok(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(await page.getByTestId('clock').textContent()), 'clock text format');

  // Click an edge (playwright clicks the middle of its box: must hit it).
  await page.locator('[data-peering="pcx-pend0003"]').click();
  const det = await page.getByTestId('details').textContent();
  ok(det.includes('pcx-pend0003') && det.includes('cross-account') && det.includes('cross-region') && /expires in/.test(det), 'edge click -> details with badges and countdown');
  for (const id of ['pcx-act00001', 'pcx-rej00009', 'pcx-xreg0002', 'pcx-exp00005', 'pcx-rej00006', 'pcx-act00008', 'pcx-pend0004']) {
    await page.locator(`[data-peering="${id}"]`).click({ timeout: 2000 });
    ok((await page.getByTestId('details').textContent()).includes(id), `click edge ${id}`);
  }
  await page.locator('[data-vpc="vpc-web00001"]').click();
  const dv = await page.getByTestId('details').textContent();
  ok(dv.includes('vpc-bob00004') && dv.includes('vpc-max-vpcpeers'), 'VPC details list overlap and quota');

  // Filters and search.
  await page.getByTestId('filter-account').selectOption('100002');
  ok((await page.locator('[data-vpc]').count()) === 3, 'account filter');
  await page.getByTestId('filter-region').selectOption('ap-shanghai');
  ok((await page.locator('[data-vpc]').count()) === 1, 'account+region filter');
  await page.getByTestId('filter-account').selectOption('');
  await page.getByTestId('filter-region').selectOption('');
  await page.getByTestId('search').fill('bob0000');
  ok((await page.locator('[data-vpc].m').count()) === 3, 'search highlights 3');
  await page.getByTestId('search').fill('');

  // Clock.
  const before = await page.getByTestId('clock').textContent();
  await page.getByTestId('advance-seconds').fill('86400');
  await page.getByTestId('advance').click();
  await page.waitForFunction((b) => document.querySelector('[data-testid=clock]').textContent.slice(0, 10) !== b.slice(0, 10), before);
  ok(true, 'advance moves the clock a day: ' + (await page.getByTestId('clock').textContent()));
  await page.getByTestId('advance-seconds').fill('-5');
  await page.getByTestId('advance').click();
  await page.getByTestId('control-error').waitFor();
  ok((await page.getByTestId('control-error').textContent()).includes('InvalidParameterValue.Range'), 'control error shown inline');

  // Snapshots.
  await page.getByTestId('snapshot-name').fill('snap1');
  await page.getByTestId('snapshot-save').click();
  await page.locator('[data-snapshot="snap1"]').waitFor();
  await page.locator('[data-snapshot="snap1"] [data-action="restore"]').click();
  await page.locator('[data-snapshot="snap1"] [data-action="delete"]').click();
  await page.locator('[data-snapshot="snap1"]').waitFor({ state: 'detached' });
  ok(true, 'snapshot save / restore / delete');

  // Faults.
  await page.getByTestId('fault-action').fill('CreateVpcPeeringConnection');
  await page.getByTestId('fault-kind').selectOption('FAIL_BEFORE');
  await page.getByTestId('fault-error-code').fill('InternalError');
  await page.getByTestId('fault-times').fill('2');
  await page.getByTestId('fault-add').click();
  await page.locator('[data-fault]').first().waitFor();
  const fid = await page.locator('[data-fault]').first().getAttribute('data-fault');
  await page.getByTestId('fault-action').fill('DeleteVpc');
  await page.getByTestId('fault-add').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-fault]').length === 2);
  await page.locator(`[data-fault="${fid}"] [data-action="delete"]`).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-fault]').length === 1);
  await page.getByTestId('faults-clear').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-fault]').length === 0);
  ok(true, 'fault add / delete / clear');

  // Reset with the in-page confirm.
  await page.getByTestId('reset').click();
  await page.getByTestId('reset-confirm').click();
  await page.getByTestId('reset').waitFor();
  ok(true, 'reset confirm');

  // The timeline fills from the stream: make six things happen (dev/serve.mjs).
  for (let i = 0; i < 6; i++) await page.evaluate(() => fetch('/dev/tick', { method: 'POST' }));
  await page.waitForSelector('[data-timeline-row][data-kind="fault"]', { timeout: 20000 });
  await page.waitForSelector('[data-timeline-row][data-kind="throttled"]', { timeout: 20000 });
  const faultRows = await page.locator('[data-timeline-row][data-kind="fault"]').count();
  ok(faultRows >= 2, 'fault event and its call both marked: ' + faultRows);

  // A peering made elsewhere shows up within a second (the stream's event
  // triggers a topology read).
  const known = async () => (await (await fetch(SMALL + '/ui/api/topology')).json()).peerings.map((p) => p.id);
  const had = new Set(await known());
  let fresh = null;
  for (let i = 0; i < 6 && !fresh; i++) {
    await fetch(SMALL + '/dev/tick', { method: 'POST' });
    const t0 = Date.now();
    fresh = (await known()).find((id) => !had.has(id));
    if (fresh) {
      await page.locator(`[data-peering="${fresh}"]`).waitFor({ state: 'attached', timeout: 1000 });
      ok(true, `new peering drawn ${Date.now() - t0} ms after it was made`);
    }
  }

  if (SHOTS) {
    await page.locator('[data-peering="pcx-pend0003"]').click();
    await page.screenshot({ path: SHOTS + '/ui-small.png' });
  }
  ok(foreign.length === 0, 'no request leaves the origin ' + JSON.stringify(foreign));
  ok(errors.length === 0, 'no console errors ' + JSON.stringify(errors));
  await page.close();
}

// --- the big mock: timing ----------------------------------------------------
if (BIG) {
  const { page, errors } = await open(BIG);
  const t0 = Date.now();
  await page.goto(BIG + '/ui');
  await page.waitForFunction(() => document.querySelectorAll('[data-vpc]').length > 0, null, { timeout: 60000 });
  // Wait for two frames so layout and paint are in.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const tLoad = Date.now() - t0;
  const n = await page.locator('[data-vpc]').count();
  const e = await page.locator('[data-peering]').count();
  console.log(`big: ${n} VPCs, ${e} edges drawn; navigation to painted ${tLoad} ms; shown-count: ${await page.getByTestId('shown-count').textContent()}`);
  // One re-render of everything: toggle a state twice and time it in-page.
  const toggle = await page.evaluate(async () => {
    const box = document.querySelector('[data-testid="state-toggle-ACTIVE"]');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const t = performance.now();
    box.click();
    await frame();
    box.click();
    await frame();
    return performance.now() - t;
  });
  console.log(`big: hide + show ACTIVE edges, two renders: ${toggle.toFixed(0)} ms`);
  const pan = await page.evaluate(async () => {
    const svg = document.querySelector('[data-testid="graph"]');
    const r = svg.getBoundingClientRect();
    const frame = () => new Promise((res) => requestAnimationFrame(res));
    const t = performance.now();
    for (let i = 0; i < 20; i++) {
      svg.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 10 ? -100 : 100, clientX: r.left + 300, clientY: r.top + 300, bubbles: true, cancelable: true }));
      await frame();
    }
    return (performance.now() - t) / 20;
  });
  console.log(`big: wheel zoom, per frame: ${pan.toFixed(1)} ms`);
  if (SHOTS) await page.screenshot({ path: SHOTS + '/ui-big.png' });
  ok(errors.length === 0, 'big: no console errors ' + JSON.stringify(errors.slice(0, 3)));
  await page.close();
}

await browser.close();
console.log(failures ? `${failures} failed` : 'all ok');
process.exit(failures ? 1 : 0);
