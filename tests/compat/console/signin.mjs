// Signing in to the console of a server started with an admin token, as a
// tester does in a real browser: tests/compat/console.py starts vpcsim with
// --ui and --admin-token, seeded with console-scenario.yaml, and runs this
// with VPCSIM_URL and VPCSIM_ADMIN_TOKEN.

import { launch } from './chromium.mjs';

const base = process.env.VPCSIM_URL;
const token = process.env.VPCSIM_ADMIN_TOKEN;
if (!base || !token) throw new Error('set VPCSIM_URL and VPCSIM_ADMIN_TOKEN');
const PATIENCE = 15_000;

const browser = await launch();
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  // Without a session: the sign-in form, and no data.
  const first = await page.goto(`${base}/ui`);
  if (first.status() !== 401) throw new Error(`/ui without a session answered ${first.status()}`);
  await page.locator('input[name="token"]').fill('not-the-token');
  await page.locator('button[type="submit"]').click();
  await page.getByText("not this server's admin token").waitFor({ timeout: PATIENCE });
  console.log('signin step 1: a wrong token is refused on the form: ok');
  await page.locator('input[name="token"]').fill(token);
  await page.locator('button[type="submit"]').click();
  await page.locator('[data-vpc="vpc-web00001"]').first().waitFor({ timeout: PATIENCE });
  await page.locator('[data-testid="live"][data-connected="true"]').waitFor({ timeout: PATIENCE });
  console.log('signin step 2: the admin token opens the console, drawn and live: ok');
  // The controls go through the admin API with the session.
  await page.locator('[data-testid="advance-seconds"]').fill('3600');
  await page.locator('[data-testid="advance"]').click();
  await page.waitForFunction(
    () => /12:00|13:0/.test(document.querySelector('[data-testid="clock"]')?.textContent || ''),
    null,
    { timeout: PATIENCE },
  );
  if ((await page.locator('[data-testid="control-error"]').count()) !== 0) {
    throw new Error(`a control failed: ${await page.locator('[data-testid="control-error"]').first().innerText()}`);
  }
  console.log('signin step 3: a control works in the signed-in session: ok');
  const cookies = await page.context().cookies();
  if (cookies.some((c) => c.value.includes(token))) throw new Error('a cookie holds the admin token');
  if (!cookies.every((c) => c.httpOnly && c.sameSite === 'Strict')) {
    throw new Error(`cookies: ${JSON.stringify(cookies)}`);
  }
  console.log('signin step 4: the session cookie is HttpOnly, SameSite=Strict, and not the token: ok');
  if (errors.length > 0) throw new Error(`the page logged errors: ${errors.join(' | ')}`);
} finally {
  await browser.close();
}
