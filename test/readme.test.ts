// The README's API example runs as written against the built package
// (imported by its name through package.json "exports").
import { it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

it('the README API example runs and prints a converged status and the bias numbers', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## API\s+```js\n([\s\S]*?)```/.exec(readme);
  expect(block, 'README has a ```js example under ## API').not.toBeNull();
  // The script must sit inside the package (and outside node_modules) for `import 'dspgd'` to resolve to it.
  const dir = mkdtempSync(join(root, '.readme-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, block![1]);
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^converged \d+$/);
    const [dist, c] = lines[1].split(' ').map(Number);
    expect(dist).toBeGreaterThan(1e-3); // adam leaves the row space: not the GD limit
    expect(c).toBeGreaterThan(1);
    expect(lines[2]).toMatch(/Theory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
