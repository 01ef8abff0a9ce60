// Builds the web UI into dist/ui: one ES module bundle (Preact, htm, uPlot and our code; the
// in-browser decryptor split into its own chunk, loaded only when a key is entered), the page and
// the styles. No CDN: everything the browser loads comes from sipsentry itself.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privacyBrowserPlugin } from '../ui/build/privacy-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: { app: 'ui/src/main.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [privacyBrowserPlugin(root)],
});
cpSync(join(root, 'ui', 'index.html'), join(out, 'index.html'));
cpSync(join(root, 'ui', 'style.css'), join(out, 'style.css'));
cpSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), join(out, 'uplot.css'));
