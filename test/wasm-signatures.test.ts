// The TypeScript declarations of the WASM exports (DspgdExports in src/wasm/module.ts and the
// interfaces it extends: PassExports in src/wasm/kernels.ts, the ones in src/wasm/exports/;
// PassKernels, which extends PassExports too, for the fma builds) against the binaries: every exported function is declared, with the same parameter
// and result types. The declarations spell WASM types as
// Ptr / I32 (i32) and F64 (f64) (src/wasm/types.ts); the binaries' types come from their type,
// function and export sections. checkAbi at load time can see only the arity.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { EXPORT_ARITY } from '../src/wasm/abi.js';
import { exportedSignatures, type Signature, type ValType } from './helpers/wasm-signatures.js';

const ROOT = join(__dirname, '..');
const DECLARATION_FILES = ['src/wasm/module.ts', 'src/wasm/exports/precond.ts', 'src/wasm/exports/linalg.ts', 'src/wasm/exports/random.ts', 'src/wasm/kernels.ts'];
const TS_TO_WASM: Record<string, ValType> = { Ptr: 'i32', I32: 'i32', F64: 'f64', bigint: 'i64' };

interface Declared { file: string; params: string[]; result: string }

/** The methods of `root` (DspgdExports) and of the interfaces it extends, with their type names as written. */
function declaredExports(sources: Record<string, string>, root = 'DspgdExports'): Map<string, Declared> {
  const interfaces = new Map<string, { file: string; node: ts.InterfaceDeclaration; sf: ts.SourceFile }>();
  for (const [file, text] of Object.entries(sources)) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    sf.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, { file, node: n, sf });
    });
  }
  const out = new Map<string, Declared>();
  const visit = (name: string) => {
    const found = interfaces.get(name);
    if (!found) throw new Error(`interface ${name} not found in ${Object.keys(sources).join(', ')}`);
    const { file, node, sf } = found;
    for (const m of node.members) {
      if (!ts.isMethodSignature(m)) continue;
      out.set(m.name.getText(sf), {
        file,
        params: m.parameters.map((p) => p.type?.getText(sf) ?? 'any'),
        result: m.type?.getText(sf) ?? 'any',
      });
    }
    for (const h of node.heritageClauses ?? []) for (const t of h.types) visit(t.expression.getText(sf));
  };
  visit(root);
  return out;
}

/**
 * Every disagreement between the declarations and a binary's exported functions, as sentences.
 * `elsewhere`: exports another interface declares (the fma build's mulAddPeak, for the bench).
 */
function compare(declared: Map<string, Declared>, binary: Map<string, Signature>, elsewhere: readonly string[] = []): string[] {
  const problems: string[] = [];
  const wasmOf = (t: string, what: string): ValType | undefined => {
    const w = TS_TO_WASM[t];
    if (w === undefined) problems.push(`${what} is declared ${t}: write Ptr, I32 or F64 (src/wasm/types.ts)`);
    return w;
  };
  for (const [name, d] of declared) {
    const s = binary.get(name);
    if (!s) {
      problems.push(`${name} is declared in ${d.file} but the module exports no such function`);
      continue;
    }
    const params = d.params.map((t, i) => wasmOf(t, `${name} parameter ${i + 1}`));
    const results = d.result === 'void' ? [] : [wasmOf(d.result, `${name}'s result`)];
    const show = (p: readonly (ValType | undefined)[], r: readonly (ValType | undefined)[]) => `(${p.join(', ')}) → ${r.length ? r.join(', ') : 'void'}`;
    if (show(params, results) !== show(s.params, s.results)) {
      problems.push(`${name}: ${d.file} says ${show(params, results)}, the module ${show(s.params, s.results)}`);
    }
  }
  for (const name of binary.keys()) if (!declared.has(name) && !elsewhere.includes(name)) problems.push(`the module exports ${name}, which no interface declares`);
  return problems;
}

const sources = Object.fromEntries(DECLARATION_FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

describe('WASM export signatures', () => {
  const declared = declaredExports(sources);

  for (const file of ['dspgd.wasm', 'dspgd-shared.wasm']) {
    it(`${file}: every exported function is declared with its parameter and result types`, () => {
      const binary = exportedSignatures(readFileSync(join(ROOT, 'build', file)));
      expect(binary.size).toBe(Object.keys(EXPORT_ARITY).length);
      expect(compare(declared, binary)).toEqual([]);
    });
  }

  // The fma builds carry only the pass over X (PassKernels in src/wasm/kernels.ts) and the bench's mulAddPeak.
  const passKernels = declaredExports(sources, 'PassKernels');
  for (const file of ['dspgd-fma.wasm', 'dspgd-fma-shared.wasm']) {
    it(`${file}: the pass kernels are declared with their parameter and result types`, () => {
      const binary = exportedSignatures(readFileSync(join(ROOT, 'build', file)));
      expect([...passKernels.keys()].sort()).toEqual(['gradPanel', 'residualGrad', 'residualGradBatch', 'residualGradRows', 'residualRows']);
      expect(compare(passKernels, binary, ['mulAddPeak'])).toEqual([]);
    });
  }

  it('EXPORT_ARITY (checked at load) says what the declarations say', () => {
    expect(Object.fromEntries([...declared].map(([name, d]) => [name, d.params.length]))).toEqual({ ...EXPORT_ARITY });
  });

  it('names each kind of disagreement', () => {
    const binary = exportedSignatures(readFileSync(join(ROOT, 'build', 'dspgd.wasm')));
    const edit = (file: string, from: string, to: string) => {
      expect(sources[file]).toContain(from);
      return compare(declaredExports({ ...sources, [file]: sources[file]!.replace(from, to) }), binary);
    };
    // an f64 declared where the module takes an i32, and the reverse
    expect(edit('src/wasm/module.ts', 'axpy(len: I32, alpha: F64', 'axpy(len: I32, alpha: I32'))
      .toEqual(['axpy: src/wasm/module.ts says (i32, i32, i32, i32) → void, the module (i32, f64, i32, i32) → void']);
    expect(edit('src/wasm/exports/random.ts', 'rngSeed(seed: F64', 'rngSeed(seed: I32'))
      .toEqual(['rngSeed: src/wasm/exports/random.ts says (i32, i32) → void, the module (f64, i32) → void']);
    // a result declared void, a parameter too many, a bare number
    expect(edit('src/wasm/module.ts', 'dot(len: I32, x: Ptr, y: Ptr): F64', 'dot(len: I32, x: Ptr, y: Ptr): void'))
      .toEqual(['dot: src/wasm/module.ts says (i32, i32, i32) → void, the module (i32, i32, i32) → f64']);
    expect(edit('src/wasm/module.ts', 'zero(len: I32, x: Ptr)', 'zero(len: I32, x: Ptr, y: Ptr)'))
      .toEqual(['zero: src/wasm/module.ts says (i32, i32, i32) → void, the module (i32, i32) → void']);
    expect(edit('src/wasm/exports/linalg.ts', 'cholesky(n: I32', 'cholesky(n: number')[0]).toMatch(/^cholesky parameter 1 is declared number: write Ptr, I32 or F64/);
    // a declaration the module lacks, an export nobody declared
    expect(edit('src/wasm/module.ts', '  sumStats(', '  sumStatz(')).toEqual([
      'sumStatz is declared in src/wasm/module.ts but the module exports no such function',
      'the module exports sumStats, which no interface declares',
    ]);
  });
});
