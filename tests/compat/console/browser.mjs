// The web console in a real browser: Debian's chromium, headless, driven by
// playwright-core (pinned in package-lock.json). tests/compat/console.py
// starts vpcsim with --ui, seeded with tests/compat/console-scenario.yaml,
// and runs this with:
//
//   VPCSIM_URL     http://127.0.0.1:PORT
//   VPCSIM_PYTHON  a Python with tencentcloud-sdk-python-vpc
//   ARTIFACTS      where the screenshot goes
//
// Every step checks what a tester sees. At the end, every request the page
// made must have gone to the server's own origin.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './chromium.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const base = process.env.VPCSIM_URL;
const python = process.env.VPCSIM_PYTHON;
const artifacts = process.env.ARTIFACTS;
if (!base || !python || !artifacts) {
  throw new Error('set VPCSIM_URL, VPCSIM_PYTHON and ARTIFACTS (see the comment at the top)');
}
const origin = new URL(base).origin;
const endpoint = new URL(base).host;
// How long a step may wait for the page: generous, since CI machines are
// shared; the live latency is measured and printed, not asserted.
const PATIENCE = 15_000;

let steps = 0;
function ok(what) {
  steps += 1;
  console.log(`console step ${steps}: ${what}: ok`);
}

function fail(what) {
  throw new Error(`console step ${steps + 1}: ${what}`);
}

/** One call with the real Python SDK; its JSON line. */
function sdk(...args) {
  const out = execFileSync(python, [join(HERE, 'sdk_call.py'), endpoint, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  const edge = (id, state) =>
    page.locator(state ? `[data-peering="${id}"][data-state="${state}"]` : `[data-peering="${id}"]`);
  const waitEdge = async (id, state, why) => {
    try {
      await edge(id, state).first().waitFor({ timeout: PATIENCE });
    } catch {
      const seen = await edge(id).first().getAttribute('data-state').catch(() => 'absent');
      fail(`${why}: peering ${id} should be drawn ${state}, is ${seen}`);
    }
  };

  // 1. The scenario's VPCs, grouped and drawn.
  await page.goto(`${base}/ui`);
  const vpcs = [
    'vpc-web00001', 'vpc-web00002', 'vpc-db000001', 'vpc-db000002',
    'vpc-clash001', 'vpc-dbsh0001', 'vpc-logs0001', 'vpc-old00001',
  ];
  for (const id of vpcs) {
    await page.locator(`[data-vpc="${id}"]`).first().waitFor({ timeout: PATIENCE });
  }
  ok(`all ${vpcs.length} VPCs of the scenario are drawn`);

  // 2. Peerings in their states; DELETED hidden until asked for.
  const states = {
    'pcx-active01': 'ACTIVE',
    'pcx-region01': 'ACTIVE',
    'pcx-pendng01': 'PENDING',
    'pcx-expird01': 'EXPIRED',
    'pcx-reject01': 'REJECTED',
  };
  for (const [id, state] of Object.entries(states)) {
    await waitEdge(id, state, 'the scenario');
  }
  ok('peerings are drawn in their states: ACTIVE, PENDING, EXPIRED, REJECTED');
  if ((await edge('pcx-delete01').count()) !== 0) fail('a DELETED peering is drawn by default');
  await page.locator('[data-testid="state-toggle-DELETED"]').check();
  await waitEdge('pcx-delete01', 'DELETED', 'with DELETED shown');
  await page.locator('[data-testid="state-toggle-DELETED"]').uncheck();
  await edge('pcx-delete01').first().waitFor({ state: 'detached', timeout: PATIENCE });
  ok('DELETED peerings are hidden by default and shown by their toggle');

  // 3. The overlapping blocks are flagged.
  await page.locator('[data-vpc="vpc-clash001"][data-overlap="true"]').first().waitFor({ timeout: PATIENCE });
  await page.locator('[data-vpc="vpc-web00001"][data-overlap="true"]').first().waitFor({ timeout: PATIENCE });
  if ((await page.locator('[data-vpc="vpc-db000001"][data-overlap="true"]').count()) !== 0) {
    fail('vpc-db000001 overlaps nothing but is flagged');
  }
  ok('both VPCs of an overlap are flagged, and no other');

  // 4. Details of an edge: ids, state, countdown, cross-account.
  await edge('pcx-pendng01').first().click({ force: true });
  const details = page.locator('[data-testid="details"]');
  await details.getByText('pcx-pendng01').first().waitFor({ timeout: PATIENCE });
  const text = await details.innerText();
  for (const want of ['pcx-pendng01', 'PENDING', 'vpc-web00001', 'vpc-logs0001']) {
    if (!text.includes(want)) fail(`the details of pcx-pendng01 lack ${want}: ${text}`);
  }
  if (!/expir/i.test(text)) fail(`the details of a PENDING peering show no expiry: ${text}`);
  if (!/cross-account/i.test(text)) fail(`a cross-account peering is not marked so: ${text}`);
  ok('clicking an edge shows its ids, state, expiry countdown and that it crosses accounts');
  await page.locator('[data-vpc="vpc-web00001"]').first().click({ force: true });
  await details.getByText('vpc-web00001').first().waitFor({ timeout: PATIENCE });
  const vpcText = await details.innerText();
  for (const want of ['10.0.0.0/16', '10.100.0.0/16', 'vpc-clash001']) {
    if (!vpcText.includes(want)) fail(`the details of vpc-web00001 lack ${want}: ${vpcText}`);
  }
  if (!/quota|of 10|\/ ?10/i.test(vpcText)) fail(`the details of a VPC show no quota use: ${vpcText}`);
  ok('clicking a VPC shows its blocks, quota use and the VPC it overlaps');

  // 5. Live: a peering made by the Python SDK appears without a reload.
  await page.locator('[data-testid="live"][data-connected="true"]').waitFor({ timeout: PATIENCE });
  const made = sdk('create-peering', 'vpc-web00002', 'vpc-db000002', '100002');
  if (!made.peering_id) fail(`the SDK could not create the peering: ${JSON.stringify(made)}`);
  const answered = Date.now();
  await waitEdge(made.peering_id, 'PENDING', 'after the SDK created it');
  const latency = Date.now() - answered;
  ok(`the peering the SDK created (${made.peering_id}) appeared ${latency} ms after the SDK's answer`);
  await page.locator(`[data-timeline-row][data-request-id="${made.request_id}"]`).first().waitFor({ timeout: PATIENCE });
  ok('the timeline lists the SDK call by its request id');

  // 6. Snapshots: save one before moving the clock.
  await page.locator('[data-testid="snapshot-name"]').fill('before-expiry');
  await page.locator('[data-testid="snapshot-save"]').click();
  await page.locator('[data-snapshot="before-expiry"]').first().waitFor({ timeout: PATIENCE });
  ok('a snapshot saved from the page is listed');

  // 7. The clock: eight days on, both requests expire.
  const clock = page.locator('[data-testid="clock"]');
  const before = await clock.innerText();
  await page.locator('[data-testid="advance-seconds"]').fill(String(8 * 24 * 3600));
  await page.locator('[data-testid="advance"]').click();
  await waitEdge('pcx-pendng01', 'EXPIRED', 'eight days on');
  await waitEdge(made.peering_id, 'EXPIRED', 'eight days on');
  const after = await clock.innerText();
  if (!(after > before)) fail(`the clock read ${before} and then ${after}`);
  ok(`advancing the clock 8 days (${before} -> ${after}) turns the PENDING requests EXPIRED`);

  // 8. Restoring the snapshot brings them back.
  await page.locator('[data-snapshot="before-expiry"] [data-action="restore"]').first().click();
  await waitEdge('pcx-pendng01', 'PENDING', 'after the restore');
  ok('restoring the snapshot from the page brings the requests back PENDING');

  // 9. A fault rule added from the page fires, and the timeline shows it.
  await page.locator('[data-testid="fault-action"]').fill('DescribeVpcPeeringConnections');
  await page.locator('[data-testid="fault-kind"]').selectOption('FAIL_BEFORE');
  await page.locator('[data-testid="fault-error-code"]').fill('InternalError');
  await page.locator('[data-testid="fault-times"]').fill('1');
  await page.locator('[data-testid="fault-add"]').click();
  await page.locator('[data-fault]').first().waitFor({ timeout: PATIENCE });
  const refused = sdk('describe-peerings');
  if (refused.error !== 'InternalError') fail(`the fault did not fire: ${JSON.stringify(refused)}`);
  await page
    .locator(`[data-timeline-row][data-kind="fault"][data-request-id="${refused.request_id}"]`)
    .first()
    .waitFor({ timeout: PATIENCE });
  ok('a fault added from the page fires on the SDK call, highlighted in the timeline');

  // 10. A call over the rate limit (the server runs with
  // --rate-limit DescribeVpcs=1) is highlighted as throttled.
  const throttled = sdk('describe-vpcs-twice');
  if (throttled.error !== 'RequestLimitExceeded') fail(`no call was throttled: ${JSON.stringify(throttled)}`);
  await page
    .locator(`[data-timeline-row][data-kind="throttled"][data-request-id="${throttled.request_id}"]`)
    .first()
    .waitFor({ timeout: PATIENCE });
  ok('a call over the rate limit is highlighted as throttled in the timeline');

  // 11. The screenshot kept as an artifact (and shown in README).
  mkdirSync(artifacts, { recursive: true });
  await page.locator('[data-vpc="vpc-web00001"]').first().click({ force: true });
  await page.locator('[data-testid="details"]').scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(artifacts, 'console.png') });
  ok(`screenshot at ${join(artifacts, 'console.png')}`);

  // 12. Reset from the page (the server was seeded, not started with a
  // scenario: Reset empties it).
  await page.locator('[data-testid="reset"]').click();
  await page.locator('[data-testid="reset-confirm"]').click();
  await page.locator('[data-vpc]').first().waitFor({ state: 'detached', timeout: PATIENCE });
  ok('Reset from the page empties the state');

  // 13. Nothing left the server's origin, and nothing failed in the page.
  const elsewhere = requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
  if (elsewhere.length > 0) fail(`requests left ${origin}: ${elsewhere.join(', ')}`);
  ok(`all ${requests.length} requests of the page went to ${origin}`);
  if (errors.length > 0) fail(`the page logged errors: ${errors.join(' | ')}`);
  ok('the page logged no errors');
} finally {
  await browser.close();
}
