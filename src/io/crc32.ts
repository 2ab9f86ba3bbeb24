/**
 * CRC-32 (ISO 3309 / zip / PNG: reflected polynomial 0xEDB88320, initial and
 * final XOR 0xFFFFFFFF), table-driven: the .npz reader checks each member
 * against its central directory entry as the member streams. Plain
 * TypeScript (no node:zlib) so the reader also works in a browser.
 */
let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * The CRC-32 of `bytes`, as an unsigned 32-bit integer. `previous`: the CRC
 * of the bytes before these, so that data read in pieces can be checked as it
 * streams (crc32(b, crc32(a)) === crc32(a ++ b)).
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const t = (table ??= makeTable());
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
