/** Float64 bit patterns as 16 hex digits each, for exact comparisons with NumPy fixtures. */
export function bitsOf(data: Float64Array): string[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: string[] = [];
  for (let i = 0; i < data.length; i++) out.push(dv.getBigUint64(8 * i, true).toString(16).padStart(16, '0'));
  return out;
}

export function fromBits(hex: string[]): Float64Array {
  const a = new Float64Array(hex.length);
  const dv = new DataView(a.buffer);
  hex.forEach((h, i) => { dv.setBigUint64(8 * i, BigInt(`0x${h}`), true); });
  return a;
}
