// The README's API example, as the README test (in the checkout) and the pack test (installed
// from the tarball) both run it, and what its output must say.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** The ```js block under "## API" in README.md. */
export function readmeApiExample(root: string): string {
  const block = /## API\s+```js\n([\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'));
  expect(block, 'README has a ```js example under ## API').not.toBeNull();
  return block![1];
}

/** The example solves with adam: a converged status, then relDistToGD and c off the GD limit, then the theory line. */
export function expectReadmeExampleOutput(r: { stdout: string; stderr: string; status: number | null }): void {
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^converged \d+$/);
  const [dist, c] = lines[1].split(' ').map(Number);
  expect(dist).toBeGreaterThan(1e-3); // adam leaves the row space: not the GD limit
  expect(c).toBeGreaterThan(1);
  expect(lines[2]).toMatch(/Theory/);
}
