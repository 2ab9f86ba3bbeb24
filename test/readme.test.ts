// The README's API example runs as written against the built package
// (imported by its name through package.json "exports").
import { it } from 'vitest';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readmeApiExample, expectReadmeExampleOutput } from './helpers/readme-example.js';

const root = join(__dirname, '..');

it('the README API example runs and prints a converged status and the bias numbers', () => {
  const example = readmeApiExample(root);
  // The script must sit inside the package (and outside node_modules) for `import 'dspgd'` to resolve to it.
  const dir = mkdtempSync(join(root, '.readme-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, example);
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60000 });
    expectReadmeExampleOutput(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
