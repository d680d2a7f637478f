// The console's load time and size with a large state: tests/compat/console.py
// serves a generated scenario (1,000 VPCs) and runs this with VPCSIM_URL and
// VPCSIM_EXPECT_VPCS. It loads /ui LOADS times in fresh browser contexts and
// prints, per load, the time from navigation to every expected VPC drawn,
// and the bytes the page fetched (the page, its files and the topology).
// Figures, not assertions: the machines are shared; compare within a run.

import { launch } from './chromium.mjs';

const base = process.env.VPCSIM_URL;
const expected = Number(process.env.VPCSIM_EXPECT_VPCS);
const loads = Number(process.env.LOADS || 5);
if (!base || !expected) throw new Error('set VPCSIM_URL and VPCSIM_EXPECT_VPCS');

const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const times = [];
  let sizes = null;
  for (let i = 0; i < loads; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/ui`);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-vpc]').length >= n,
      expected,
      { timeout: 60_000, polling: 50 },
    );
    const figures = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      const all = [nav, ...resources];
      const topology = resources.filter((r) => r.name.includes('/ui/api/topology'));
      return {
        drawn_ms: performance.now(),
        transferred: all.reduce((n, r) => n + (r.transferSize || 0), 0),
        decoded: all.reduce((n, r) => n + (r.decodedBodySize || 0), 0),
        topology: topology.length ? topology[topology.length - 1].decodedBodySize : 0,
        topology_ms: topology.length ? topology[0].responseEnd - topology[0].startTime : 0,
        files: all
          .filter((r) => !r.name.includes('/ui/api/'))
          .reduce((n, r) => n + (r.decodedBodySize || 0), 0),
        drawn: document.querySelectorAll('[data-vpc]').length,
        edges: document.querySelectorAll('[data-peering]').length,
      };
    });
    times.push(figures.drawn_ms);
    sizes = figures;
    console.log(
      `load ${i + 1}: ${figures.drawn} VPCs and ${figures.edges} peerings drawn ` +
        `${figures.drawn_ms.toFixed(0)} ms after navigation (topology answered in ` +
        `${figures.topology_ms.toFixed(0)} ms)`,
    );
    await context.close();
  }
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `console with ${expected} VPCs: drawn in min ${Math.min(...times).toFixed(0)} / median ` +
      `${median(times).toFixed(0)} / max ${Math.max(...times).toFixed(0)} ms over ${loads} loads; ` +
      `page and files ${kib(sizes.files)}, topology ${kib(sizes.topology)}, ` +
      `${kib(sizes.transferred)} transferred in all (${kib(sizes.decoded)} decoded)`,
  );
} finally {
  await browser.close();
}
