/** WebAssembly features of the engine running the bench, detected by validating tiny modules (runtime-agnostic). */

/** A module with one function () → v128 that applies the three-operand SIMD op `op` (LEB128 bytes after 0xfd) to three constants. */
function simdModule(op: readonly number[], operands: 2 | 3): Uint8Array<ArrayBuffer> {
  const vconst = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...Array.from({ length: operands }, () => vconst).flat(), 0xfd, ...op, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () → v128
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x0a, body.length + 2, 0x01, body.length, ...body,
  ]);
}

/** Whether the engine validates f64x2.relaxed_madd (opcode 0xfd 0x107); false when SIMD itself is missing. */
export function relaxedSimdSupported(): boolean {
  try {
    // The plain f64x2.add (0xfd 0xf0) module is the control: if it does not validate, the bytes or SIMD are at fault.
    if (!WebAssembly.validate(simdModule([0xf0, 0x01], 2))) return false;
    return WebAssembly.validate(simdModule([0x87, 0x02], 3));
  } catch {
    return false;
  }
}
