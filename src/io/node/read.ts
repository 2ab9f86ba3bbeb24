/**
 * Reading input files, the one place that turns a path into bytes: every
 * failure is `DspgdError('E_IO', '<argument>: cannot read <path>: <reason>')`
 * and names the flag or field the path came from.
 *
 * The file's type and size are checked before anything is read: a directory
 * or a device (`/dev/zero`, a terminal) is refused; a text file larger than
 * {@link MAX_TEXT_BYTES} is refused from its size (E_TOO_LARGE), and a pipe
 * (`<(…)`, a FIFO) is read only up to that cap. Binary formats are not read
 * whole: {@link openFile} gives random access for the streaming codecs.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { DspgdError } from '../../errors.js';
import type { ByteSource } from '../source.js';

/**
 * The largest text matrix file (.csv, .tsv, .txt, .json) read: 256 MiB. The
 * text is decoded to one string and split into lines, so it costs several
 * times its size in memory; .npy and .npz are streamed and not limited by it.
 */
export const MAX_TEXT_BYTES = 2 ** 28;

/** Short, stable descriptions of Node fs errors for DspgdError messages. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'resource busy',
  EXDEV: 'cross-device rename',
};

export function describeFsError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const r = REASONS[code];
    if (r) return `${r} (${code})`;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The "cannot read" error: one wording for every input. */
export function cannotRead(path: string, argument: string, e: unknown): DspgdError {
  return new DspgdError('E_IO', `${argument}: cannot read ${path}: ${describeFsError(e)}`, argument, { cause: e });
}

function kindOf(st: Stats): string | undefined {
  if (st.isDirectory()) return 'is a directory (EISDIR)';
  if (st.isCharacterDevice()) return 'is a character device, not a file';
  if (st.isBlockDevice()) return 'is a block device, not a file';
  return undefined;
}

function tooLarge(path: string, argument: string, size: number | undefined, limit: number): DspgdError {
  const what = size === undefined ? `gives more than ${limit} bytes` : `is ${size} bytes`;
  return new DspgdError('E_TOO_LARGE',
    `${argument}: ${path} ${what}, more than the ${limit} bytes (${limit / 2 ** 20} MiB) a text matrix file may have; save large arrays as .npy`,
    argument);
}

/**
 * The whole contents of a (text) file, at most `maxBytes` (default
 * {@link MAX_TEXT_BYTES}): a regular file is refused from its size, a pipe
 * or socket is read until the cap, a directory or device is refused unread.
 */
export async function readBytes(path: string, argument: string, maxBytes = MAX_TEXT_BYTES): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw cannotRead(path, argument, e);
  }
  try {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      throw cannotRead(path, argument, e);
    }
    const bad = kindOf(st);
    if (bad) throw cannotRead(path, argument, Object.assign(new Error(bad), bad.startsWith('is a dir') ? { code: 'EISDIR' } : {}));
    if (st.isFile() && st.size > maxBytes) throw tooLarge(path, argument, st.size, maxBytes);
    // Read to the end (a regular file may have grown since fstat; a pipe has no size), never past the cap.
    const pieces: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const piece = new Uint8Array(Math.min(1 << 20, maxBytes + 1 - total));
      let got: number;
      try {
        ({ bytesRead: got } = await fh.read(piece, 0, piece.length, null));
      } catch (e) {
        throw cannotRead(path, argument, e);
      }
      if (got === 0) break;
      pieces.push(got === piece.length ? piece : piece.subarray(0, got));
      total += got;
      if (total > maxBytes) throw tooLarge(path, argument, st.isFile() ? total : undefined, maxBytes);
    }
    if (pieces.length === 1) return pieces[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** A regular file open for random access (synchronous reads), for the streaming codecs. */
export interface OpenFile extends ByteSource {
  readonly path: string;
  close(): void;
}

/**
 * Opens `path` for random access: it must be a regular file (a pipe cannot be
 * read out of order, a device has no end). Close it when done.
 */
export function openFile(path: string, argument: string): OpenFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw cannotRead(path, argument, e);
  }
  let size: number;
  try {
    const st = fstatSync(fd);
    const bad = kindOf(st) ?? (st.isFile() ? undefined : 'is a pipe or socket, not a file (this format is read out of order; save it to a file)');
    if (bad) throw Object.assign(new Error(bad), bad.startsWith('is a dir') ? { code: 'EISDIR' } : {});
    size = st.size;
  } catch (e) {
    closeSync(fd);
    throw cannotRead(path, argument, e);
  }
  let closed = false;
  return {
    path,
    size,
    read(position, into) {
      try {
        return readSync(fd, into, 0, into.length, position);
      } catch (e) {
        throw cannotRead(path, argument, e);
      }
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}
