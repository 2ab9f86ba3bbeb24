/**
 * Collects the ArrayBuffers behind a value's typed arrays so postMessage can
 * move them instead of copying. A buffer is listed once (listing it twice is a
 * DataCloneError), and SharedArrayBuffers are left out: they cannot be
 * transferred (and are not copied either).
 */
export function transferables(value: unknown, out: ArrayBuffer[] = [], seen = new Set<unknown>()): ArrayBuffer[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && !seen.has(buf)) {
      seen.add(buf);
      out.push(buf);
    }
    return out;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, out, seen);
  return out;
}
