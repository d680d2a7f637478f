// npm run build: src/ -> dist/index.html, dist/assets/app.js, dist/assets/app.css.
// The output is committed and CI rebuilds it and diffs it, so it must be the
// same bytes on every machine: no sourcemaps, no timestamps, no paths.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/app.jsx' }, // app.css comes along as its import
  outdir: 'dist/assets',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/index.html'), join(dist, 'index.html'));

// Exactly these three files, nothing else.
const got = [...readdirSync(dist), ...readdirSync(join(dist, 'assets')).map((f) => 'assets/' + f)].sort();
const want = ['assets', 'assets/app.css', 'assets/app.js', 'index.html'];
if (JSON.stringify(got) !== JSON.stringify(want)) {
  console.error('unexpected dist contents: ' + got.join(', '));
  process.exit(1);
}
