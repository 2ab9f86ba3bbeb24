// The signature (WASM parameter and result types) of every function a .wasm binary exports, read from
// its type, import, function and export sections. WebAssembly.Module.exports gives names and kinds
// only, and a function's `length` only its arity, so this is the one way to see i32 against f64.
// Written from the binary format spec (https://webassembly.github.io/spec/core/binary/modules.html).

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
export interface Signature { params: ValType[]; results: ValType[] }

const VALTYPES = new Map<number, ValType>([[0x7f, 'i32'], [0x7e, 'i64'], [0x7d, 'f32'], [0x7c, 'f64'], [0x7b, 'v128'], [0x70, 'funcref'], [0x6f, 'externref']]);

export function exportedSignatures(bytes: Uint8Array): Map<string, Signature> {
  let at = 0;
  const byte = () => {
    if (at >= bytes.length) throw new Error(`wasm: truncated at byte ${at}`);
    return bytes[at++]!;
  };
  const u32 = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = byte();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  const name = () => {
    const len = u32();
    const s = new TextDecoder().decode(bytes.subarray(at, at + len));
    at += len;
    return s;
  };
  const valtype = (): ValType => {
    const b = byte();
    const t = VALTYPES.get(b);
    if (t === undefined) throw new Error(`wasm: unknown value type 0x${b.toString(16)} at byte ${at - 1}`);
    return t;
  };
  const vec = <T>(item: () => T): T[] => Array.from({ length: u32() }, item);
  const limits = () => {
    const flags = byte();
    u32();
    if (flags & 1) u32();
  };

  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error('wasm: not a WebAssembly binary');
  at = 8;
  let types: Signature[] = [];
  const funcTypes: number[] = []; // type index of every function, imported ones first
  const exports: [string, number][] = [];
  while (at < bytes.length) {
    const id = byte();
    const size = u32();
    const end = at + size;
    if (id === 1) {
      types = vec(() => {
        if (byte() !== 0x60) throw new Error(`wasm: expected a function type at byte ${at - 1}`);
        return { params: vec(valtype), results: vec(valtype) };
      });
    } else if (id === 2) {
      vec(() => {
        name();
        name();
        const kind = byte();
        if (kind === 0) funcTypes.push(u32());
        else if (kind === 1) { valtype(); limits(); }
        else if (kind === 2) limits();
        else if (kind === 3) { valtype(); byte(); }
        else throw new Error(`wasm: unknown import kind ${kind}`);
      });
    } else if (id === 3) {
      funcTypes.push(...vec(u32));
    } else if (id === 7) {
      for (const [n, kind, index] of vec(() => [name(), byte(), u32()] as const)) if (kind === 0) exports.push([n, index]);
    }
    at = end;
  }
  const out = new Map<string, Signature>();
  for (const [n, index] of exports) {
    const t = types[funcTypes[index]!];
    if (t === undefined) throw new Error(`wasm: export ${n} names function ${index}, which has no type`);
    out.set(n, t);
  }
  return out;
}
