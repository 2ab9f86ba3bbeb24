// The WASM ABI: the module's exported constants (assembly/abi.ts) against the TypeScript
// side, every export the TypeScript layer calls with its arity, and a module that
// disagrees refused at load instead of corrupting memory.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAbi, abiGlobalName, EXPORT_ARITY } from '../src/wasm/abi.js';
import { getWasm } from '../src/wasm/module.js';
import { PRECOND_IDS } from '../src/precond/index.js';
import { LOSS_IDS } from '../src/losses/index.js';
import { DspgdError } from '../src/errors.js';

const BUILDS = ['dspgd.wasm', 'dspgd-shared.wasm'];

async function rawExports(file: string): Promise<WebAssembly.Exports> {
  const bytes = readFileSync(join(__dirname, '..', 'build', file));
  const module = new WebAssembly.Module(bytes);
  const env: Record<string, unknown> = { abort: () => { throw new Error('abort'); } };
  if (WebAssembly.Module.imports(module).some((i) => i.kind === 'memory')) env.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  return (await WebAssembly.instantiate(module, { env } as WebAssembly.Imports)).exports;
}

const value = (x: WebAssembly.ExportValue) => (x as WebAssembly.Global).value as number;

describe('WASM ABI', () => {
  for (const file of BUILDS) {
    it(`${file}: every id equals the module's constant, every called export exists with its arity`, async () => {
      const raw = await rawExports(file);
      for (const [name, id] of Object.entries(PRECOND_IDS)) expect(value(raw[abiGlobalName('PRECOND', name)]), name).toBe(id);
      for (const [name, id] of Object.entries(LOSS_IDS)) expect(value(raw[abiGlobalName('LOSS', name)]), name).toBe(id);
      // Every preconditioner id of the module has a registry name, and none is left over.
      const moduleIds = Object.keys(raw).filter((k) => k.startsWith('PRECOND_') && k !== 'PRECOND_COUNT').map((k) => value(raw[k])).sort((a, b) => a - b);
      expect(moduleIds).toEqual(Object.values(PRECOND_IDS).sort((a, b) => a - b));
      expect(value(raw.PRECOND_COUNT)).toBe(moduleIds.length);
      for (const [name, arity] of Object.entries(EXPORT_ARITY)) {
        expect(typeof raw[name], name).toBe('function');
        expect((raw[name] as (...a: unknown[]) => unknown).length, name).toBe(arity);
      }
      // The batch record: eight doubles, W G R D stats lossId lossParam scale, as residualGradBatch reads them.
      const abi = checkAbi(raw, { precond: PRECOND_IDS, loss: LOSS_IDS });
      expect(abi.batch).toEqual({ doubles: 8, W: 0, G: 1, R: 2, D: 3, stats: 4, lossId: 5, lossParam: 6, scale: 7 });
      expect(abi.sumsqSafeLo).toBe(2 ** -969);
    });
  }

  it('the loaded module carries the checked layout', async () => {
    expect((await getWasm()).abi.batch.doubles).toBe(8);
  });

  it('refuses a module whose ids, layout or signatures disagree, naming each difference', async () => {
    const raw = await rawExports('dspgd.wasm');
    const check = (mutate: (r: Record<string, unknown>) => void, ids = { precond: PRECOND_IDS as Record<string, number>, loss: LOSS_IDS as Record<string, number> }) => {
      const r: Record<string, unknown> = { ...raw };
      mutate(r);
      try {
        checkAbi(r as WebAssembly.Exports, ids);
      } catch (e) {
        expect(e).toBeInstanceOf(DspgdError);
        expect((e as DspgdError).code).toBe('E_FORMAT');
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(check(() => {}, { precond: { ...PRECOND_IDS, adam: 7 }, loss: LOSS_IDS })).toMatch(/PRECOND_ADAM is 6 in the module, 7 here/);
    expect(check(() => {}, { precond: { ...PRECOND_IDS, newone: 99 }, loss: LOSS_IDS })).toMatch(/global PRECOND_NEWONE is missing/);
    expect(check((r) => { r.BATCH_G = new WebAssembly.Global({ value: 'i32' }, 12); })).toMatch(/BATCH_G = 12 is not a double/);
    expect(check((r) => { r.residualGradBatch = (a: number) => a; })).toMatch(/residualGradBatch takes 1 arguments in the module, 8 here/);
    expect(check((r) => { delete r.precondGrad; })).toMatch(/function precondGrad is missing/);
  });

  it('an unknown loss or preconditioner id traps instead of running another one', async () => {
    const w = await getWasm();
    const R = w.allocF64(2), G = w.allocF64(2), P = w.allocF64(2), par = w.allocF64(1);
    try {
      w.f64(R, 2).set([0.5, -2]);
      expect(w.exports.lossEval(LOSS_IDS.lp, 3, R, G, 1, 2, 1)).toBeCloseTo((0.5 ** 3 + 2 ** 3) / 3, 15);
      expect(() => w.exports.lossEval(Object.keys(LOSS_IDS).length, 3, R, G, 1, 2, 1)).toThrow(WebAssembly.RuntimeError);
      expect(() => w.exports.lossEval(-1, 3, R, G, 1, 2, 1)).toThrow(WebAssembly.RuntimeError);
      expect(() => w.exports.precondGrad(Object.keys(PRECOND_IDS).length, 1, 2, G, P, par, 0)).toThrow(WebAssembly.RuntimeError);
    } finally {
      for (const p of [R, G, P, par]) w.free(p);
    }
  });
});
