// The CLI's start: dist/cli.js and what it imports statically hold the flags and help only; each
// command's work (solver, report, plots, progress bar, file codecs) is a chunk it imports when it
// runs (src/cli/*-run.ts). Read from the built files' import statements, the way Node loads them:
// a static import of a heavy module from a command's flag definitions shows up here.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';

const DIST = join(__dirname, '..', 'dist');
const BIN = join(__dirname, '..', 'bin', 'dspgd.js');

/** The files and packages Node loads before the first line of `file` runs (static imports, transitively). */
function staticGraph(file: string): { files: string[]; packages: string[] } {
  const files = new Set<string>(), packages = new Set<string>();
  const walk = (f: string) => {
    if (files.has(f)) return;
    files.add(f);
    const text = readFileSync(f, 'utf8');
    // Top-level import declarations only: `import(...)` calls are the chunks loaded on demand.
    for (const m of text.matchAll(/^import\s+(?:[^'"();]*?\s+from\s+)?["']([^"']+)["'];?$/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) walk(resolve(dirname(f), spec));
      else packages.add(spec);
    }
  };
  walk(file);
  return { files: [...files], packages: [...packages] };
}

describe('the CLI loads each command when it runs', () => {
  it('dist/cli.js statically loads commander and node: modules only, and dynamically one chunk per command', () => {
    const cli = join(DIST, 'cli.js');
    expect(existsSync(cli), 'dist/cli.js (npm test builds it)').toBe(true);
    const { files, packages } = staticGraph(cli);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual(['commander']);
    const dynamic = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bimport\(\s*["'](\.\/cli\.chunk-[^"']+)["']\s*\)/g)].map((m) => m[1]!));
    for (const cmd of ['solve-run', 'demo-run', 'sweep-run', 'merge-run', 'generate-run']) {
      expect(dynamic.some((d) => d.startsWith(`./cli.chunk-${cmd}-`)), cmd).toBe(true);
    }
    // The command chunks do bring the heavy packages (so the graph walk above can see them).
    const sweepChunk = dynamic.find((d) => d.startsWith('./cli.chunk-sweep-run-'))!;
    const sweep = staticGraph(join(DIST, sweepChunk));
    expect(sweep.packages).toEqual(expect.arrayContaining(['cli-progress', 'd3-scale', '@assemblyscript/loader']));
  });

  it('`dspgd --version` and `dspgd sweep --help` answer without loading a command chunk', () => {
    // --trace-event-categories would be heavier; a loader hook that lists every URL is exact.
    const hook = `data:text/javascript,${encodeURIComponent(`
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
        "export async function load(url, context, next) { if (url.includes('cli.chunk-') && /-run-/.test(url)) process.stderr.write('loaded ' + url.split('/').pop() + '\\n'); return next(url, context); }",
      )}));`)}`;
    for (const args of [['--version'], ['sweep', '--help']]) {
      const r = spawnSync(process.execPath, ['--import', hook, BIN, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/loaded /);
    }
    // And a command that runs does load its chunk (the hook sees it).
    const r = spawnSync(process.execPath, ['--import', hook, BIN, 'generate', '--n', '3', '--d', '5'], { encoding: 'utf8' });
    expect(r.status).toBe(2); // neither --out nor --out-dir: the command's own check, in its chunk
    expect(r.stderr).toMatch(/loaded cli\.chunk-generate-run-/);
  });
});
