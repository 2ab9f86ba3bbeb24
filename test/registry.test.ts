// The preconditioner registry (src/precond/registry.ts) is the one source: the factories,
// the public tables, lr 'auto', the CLI help and the README's table all agree with it.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY, BUILTIN_PRECOND_NAMES, defaultsOf, type RegistryEntry } from '../src/precond/registry.js';
import { PRECONDITIONERS, PRECOND_IDS, resolvePrecond } from '../src/precond/index.js';
import { precondLipschitz } from '../src/lr.js';
import { readmeTable } from './helpers/precond-table.js';

describe('preconditioner registry', () => {
  it('the README table lists every entry, as the registry says, and nothing else', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const table = readmeTable();
    const head = table.split('\n')[0];
    expect(readme).toContain(head);
    const at = readme.indexOf(head);
    const end = readme.indexOf('\n\n', at);
    expect(readme.slice(at, end < 0 ? undefined : end)).toBe(table);
  });

  it('ids are distinct and dense; the public tables and the factories carry the entry', () => {
    expect(Object.values(PRECOND_IDS).sort((a, b) => a - b)).toEqual(BUILTIN_PRECOND_NAMES.map((_, i) => i));
    for (const name of BUILTIN_PRECOND_NAMES) {
      const e: RegistryEntry = REGISTRY[name];
      const p = resolvePrecond(name);
      expect(p.wasm!.id).toBe(e.id);
      expect(p.isotropic).toBe(e.isotropic);
      expect(p.preservesRowSpace).toBe(e.preservesRowSpace);
      expect(PRECONDITIONERS[name].defaults).toEqual(defaultsOf(e));
      expect(PRECONDITIONERS[name].rowSpace).toBe(e.rowSpaceMetric !== undefined);
      // Every parameter's range is enforced with the registry's words.
      for (const [key, spec] of Object.entries(e.params)) {
        expect(spec.valid(spec.default), `${name}.${key} default`).toBe(true);
        expect(() => resolvePrecond(`${name}:${key}=-5`)).toThrow(`precond.${key}: expected ${spec.range}, got -5`);
      }
    }
  });

  it('power with 1 < p < 2 is outside the theory with the reason; p ≥ 2 is inside', () => {
    expect(resolvePrecond('power:p=1.5').outsideTheory).toMatch(/not Lipschitz at 0.*lr\^\{1\/\(2−p\)\}/);
    expect(resolvePrecond('power:p=2').outsideTheory).toBeUndefined();
    expect(resolvePrecond('power').outsideTheory).toBeUndefined();
    expect(resolvePrecond('adam:beta1=0.9').outsideTheory).toMatch(/stateful/);
    expect(BUILTIN_PRECOND_NAMES.filter((name) => resolvePrecond(name).outsideTheory !== undefined)).toEqual(['lion']);
  });

  it('Lipschitz constants: 1/ε for the ε-smoothed maps, 1 for gd and the clips, (p−1)‖G0‖^{p−2} for power p ≥ 2 (no bound below 2: the GD step)', () => {
    const g0 = 3.7;
    for (const [spec, L] of [
      ['gd', 1], ['clip:c=2', 1], ['clip-elementwise:c=0.5', 1], ['normalized:eps=0.25', 4], ['colnorm:eps=0.5', 2],
      ['spectral:eps=0.1', 10], ['adam:eps=0.2', 5], ['sign:eps=0.05', 20], ['rownorm:eps=2', 0.5],
      ['power:p=3', 2 * g0], ['power:p=2.5', 1.5 * Math.sqrt(g0)], ['power:p=1.5', 1],
    ] as const) expect(precondLipschitz(resolvePrecond(spec), g0), spec).toBeCloseTo(L, 12);
  });
});
