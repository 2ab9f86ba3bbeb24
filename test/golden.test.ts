// W∞ bit for bit: every built-in preconditioner on both paths and several losses
// must reproduce the SHA-256 recorded in test/fixtures/golden_w.json. A refactor of
// the kernels, the dispatch or the engine that changes one rounding fails here.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_CASES, caseKey, goldenHashes } from './fixtures/golden_cases.js';

const expected = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'golden_w.json'), 'utf8')) as Record<string, string>;

describe('golden W∞ hashes', () => {
  it('covers every case, and every case reproduces its hash', async () => {
    expect(Object.keys(expected).sort()).toEqual(GOLDEN_CASES.map(caseKey).sort());
    expect(await goldenHashes()).toEqual(expected);
  }, 60_000);
});
