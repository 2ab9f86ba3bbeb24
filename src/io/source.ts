/**
 * Random access to the bytes of a file, for codecs that read a large file in
 * pieces (the data of a `.npy`, the members of an `.npz`) without holding it
 * whole. The Node file layer gives one over a file descriptor; `bytesSource`
 * gives one over bytes already in memory (a browser's File contents, a test).
 */
export interface ByteSource {
  /** The length in bytes. */
  readonly size: number;
  /** Copies up to `into.length` bytes from `position` into `into`; returns how many (0 at the end). */
  read(position: number, into: Uint8Array): number;
}

/** A ByteSource over `bytes` (no copy). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(position, into) {
      const n = Math.max(0, Math.min(into.length, bytes.length - position));
      into.set(bytes.subarray(position, position + n));
      return n;
    },
  };
}

/** Bytes read per piece when streaming: big enough to keep a disk busy, small next to the arrays. */
export const READ_BLOCK = 1 << 22;
