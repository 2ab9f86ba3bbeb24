// Bundles the library, the CLI, the worker runner and the browser bundles with esbuild, then emits .d.ts with tsc.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { buildBrowser } from './browser-build.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  define: { __DSPGD_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
mkdirSync('dist', { recursive: true });
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
// The CLI loads in parts: dist/cli.js holds the command line's flags and help, and each command's
// work (its solver, report and plots) is a chunk loaded when that command runs, so `dspgd --help`
// and a sweep's worker threads start without waiting for all of it. The chunks sit beside cli.js
// (code that finds files next to itself through import.meta.url works the same from them); the
// previous build's are removed first, so a stale chunk is never packed.
for (const f of readdirSync('dist', { withFileTypes: true })) {
  if (f.isFile() && /^cli\.chunk-[A-Za-z0-9_-]+\.js(\.map)?$/.test(f.name)) rmSync(`dist/${f.name}`);
}
await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', splitting: true, chunkNames: 'cli.chunk-[name]-[hash]' });
await build({ ...common, entryPoints: ['src/cli/solve-thread.ts'], outfile: 'dist/cli-solve-thread.js' });
// The benchmark suite (npm run bench, dspgd bench); its peers' packages stay external like every package.
await build({ ...common, entryPoints: ['bench/node.ts'], outfile: 'dist/bench.js' });
await build({ ...common, entryPoints: ['src/worker/index.ts'], outfile: 'dist/worker.js' });
await build({ ...common, entryPoints: ['src/worker/entry-node.ts'], outfile: 'dist/worker-thread.js' });
await buildBrowser(common.define);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
