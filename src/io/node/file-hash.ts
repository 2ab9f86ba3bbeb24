/**
 * The SHA-256 of a whole file, taken from the reads a loader makes anyway: a sweep records each
 * data file's hash before it starts and checks, where it loads the file, that the bytes it
 * loaded are still those (src/sweep/inputs.ts). Hashing the loader's own reads checks the very
 * bytes decoded, and spares a second full read of a file of hundreds of MB.
 *
 * A hash takes bytes in order, a loader reads in its own order. The rule: the hash holds each
 * byte as the *last* read of it saw it (a loader's read, or one made for the hash after it), so
 * a byte decoded from another version than the one hashed is one that changed afterwards, which
 * the file's hash then shows (unless it was changed back: a check by a second read after the
 * load cannot see that either).
 *   - A read that starts where the hash stops extends it with its bytes (an `.npy`'s data, an
 *     `.npz` member's, read front to back): those bytes are hashed as they were decoded.
 *   - A read that starts at most GAP_BYTES further on: the gap is read for the hash first (the
 *     bytes between two members, a zip header's name and extra field). A larger jump (an `.npz`'s
 *     central directory at the end, a member further on) is not hashed then.
 *   - A read of bytes already hashed (a header read again with the data that follows it) starts
 *     the hash over: bytes before it are read again for the hash, then the read extends it.
 *   - digest() reads, for the hash, whatever no read covered, to the end of the file.
 * For `.npy` files, and `.npz` members loaded in file order (as NumPy and `dspgd generate` write
 * them), that is a few KB besides the loader's reads; at worst it is one more read of the file.
 */
import { createHash, type Hash } from 'node:crypto';
import { READ_BLOCK, type ByteSource } from '../source.js';

/** The largest gap read only for the hash, ahead of a read that skips it. */
export const GAP_BYTES = 1 << 16;

/** One file's SHA-256, fed by the reads of the sources wrap() returns (all of that one file). */
export class FileHash {
  private hash: Hash = createHash('sha256');
  /** Bytes [0, upTo) are in the hash. */
  private upTo = 0;
  private first: ByteSource | undefined;
  private hex: string | undefined;

  /** `src` (a source of this file: an open file, or its bytes) whose reads also feed the hash. */
  wrap<T extends ByteSource>(src: T): T {
    this.first ??= src;
    return {
      ...src,
      read: (position: number, into: Uint8Array): number => {
        if (this.hex === undefined) {
          if (position < this.upTo) {
            this.hash = createHash('sha256');
            this.upTo = 0;
            this.readTo(src, position);
          } else if (position - this.upTo <= GAP_BYTES) {
            this.readTo(src, position);
          }
        }
        const n = src.read(position, into);
        if (this.hex === undefined && position === this.upTo && n > 0) {
          this.hash.update(n === into.length ? into : into.subarray(0, n));
          this.upTo += n;
        }
        return n;
      },
    };
  }

  /** The SHA-256 (hex) of the file: what no read covered is read now, to its end. */
  digest(): string {
    if (this.hex === undefined) {
      if (this.first) this.readTo(this.first, Number.POSITIVE_INFINITY);
      this.hex = this.hash.digest('hex');
    }
    return this.hex;
  }

  /** Hashes bytes [upTo, end) (or to the end of the file), read from `src` for the hash only. */
  private readTo(src: ByteSource, end: number): void {
    if (end <= this.upTo) return;
    const block = new Uint8Array(Math.min(READ_BLOCK, end - this.upTo));
    while (this.upTo < end) {
      const n = src.read(this.upTo, block.subarray(0, Math.min(block.length, end - this.upTo)));
      if (n <= 0) return;
      this.hash.update(block.subarray(0, n));
      this.upTo += n;
    }
  }
}
