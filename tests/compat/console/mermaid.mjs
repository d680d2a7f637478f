// Renders `vpcsim dump --format mermaid` output with the real Mermaid (from
// npm, pinned) in Debian's chromium: the diagram PR comments would show.
//
//   node mermaid.mjs DIAGRAM.mmd OUT.svg
//
// Fails if Mermaid cannot parse or draw it.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch } from './chromium.mjs';

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: node mermaid.mjs DIAGRAM.mmd OUT.svg');
const diagram = readFileSync(input, 'utf8');
const mermaidJs = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ path: mermaidJs });
  const svg = await page.evaluate(async (text) => {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const { svg } = await window.mermaid.render('topology', text);
    return svg;
  }, diagram);
  if (!svg.includes('<svg')) throw new Error('Mermaid drew no SVG');
  writeFileSync(output, svg);
  console.log(`mermaid drew ${input}: ${svg.length} bytes of SVG in ${output}`);
} finally {
  await browser.close();
}
