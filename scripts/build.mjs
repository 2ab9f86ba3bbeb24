// Bundles the library, the CLI, the worker runner and the browser bundles with esbuild, then emits .d.ts with tsc.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
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
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' });
await build({ ...common, entryPoints: ['src/cli/solve-thread.ts'], outfile: 'dist/cli-solve-thread.js' });
// The benchmark suite (npm run bench, dspgd bench); its peers' packages stay external like every package.
await build({ ...common, entryPoints: ['bench/node.ts'], outfile: 'dist/bench.js' });
await build({ ...common, entryPoints: ['src/worker/index.ts'], outfile: 'dist/worker.js' });
await build({ ...common, entryPoints: ['src/worker/entry-node.ts'], outfile: 'dist/worker-thread.js' });
await buildBrowser(common.define);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
