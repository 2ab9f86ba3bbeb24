/**
 * Atomic file writes: data goes to a uniquely named temp file in the target's
 * directory, is fsynced, and is then renamed over the target. Readers see the
 * old file or the new one, never a truncated mix; on failure the temp file is
 * removed and the target is left as it was.
 *
 * A process killed between writing and renaming leaves its temp file behind
 * (the target is intact). The next successful write of the same target
 * removes such leftovers: temp files of that target whose writer process no
 * longer exists on this machine. A temp file is named
 * `.NAME.PID@HOST.TAG.RANDOM.tmp` (machine.ts): on a shared file system a pid
 * says nothing about another node's processes, so a temp file of another
 * machine (another TAG), or of an older dspgd (`.NAME.PID.RANDOM.tmp`, no
 * machine), is left alone: it may be another node's write in progress.
 *
 * A target that exists and is not a regular file (a pipe, a device such as
 * /dev/stdout or /dev/null, or a link to one), or any path under /dev/ or
 * /proc/, is written in place as a stream, never renamed over: renaming would
 * replace the device node or the link. Such writes come first, after every
 * temp file is ready, so a failing one (/dev/full: ENOSPC) leaves the regular
 * targets untouched.
 *
 * Notes: rename replaces a symbolic link to a regular file with a regular
 * file (it does not write through the link); an existing target's permission
 * bits are kept, its owner is not.
 */
import { fstatSync } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { DspgdError } from '../../errors.js';
import { describeFsError } from './read.js';
import { killPoint } from './fault.js';
import { shortName, writerGone, writerToken, WRITER_TOKEN } from './machine.js';

export interface AtomicFile {
  path: string;
  data: Uint8Array | string;
  /** What the file is for (e.g. '--out'); prefixes error messages and becomes `err.argument`. */
  argument?: string;
}

/** Writes `data` (a string is written as UTF-8) to `path` atomically. Throws DspgdError('E_IO') on failure. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, argument?: string): Promise<void> {
  await writeFilesAtomic([{ path, data, argument }]);
}

/**
 * Writes several files: first every temp file (written and fsynced), and only
 * when all of them succeeded, the renames. A failure before the renames
 * leaves every target untouched; all temp files are removed on any failure.
 * (A failing rename after others succeeded cannot undo those; the error
 * message says which targets were already replaced.)
 * Two entries with the same path are an E_PARAM error.
 */
export async function writeFilesAtomic(files: readonly AtomicFile[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const f of files) {
    if (typeof f?.path !== 'string' || f.path === '') {
      throw new DspgdError('E_PARAM', `${prefix(f?.argument)}expected a file path, got ${JSON.stringify(f?.path)}`, f?.argument);
    }
    const key = resolve(f.path);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new DspgdError('E_PARAM', `${prefix(f.argument)}two outputs would be written to the same file ${f.path} (also ${other})`, f.argument);
    }
    seen.set(key, f.path);
  }

  const temps: (string | undefined)[] = [];
  const cleanup = async (from: number) => {
    await Promise.all(temps.slice(from).map((t) => (t ? unlink(t).catch(() => undefined) : undefined)));
  };
  const streamed = await Promise.all(files.map((f) => isStreamTarget(f.path)));

  // Phase 1: all temp files. Nothing visible changes yet.
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    if (streamed[i]) continue;
    try {
      await writeTemp(f, (tmp) => { temps[i] = tmp; });
    } catch (e) {
      await cleanup(0);
      throw ioError(f, e);
    }
  }

  // Phase 2: the streams, written in place, then the renames.
  for (let i = 0; i < files.length; i++) {
    if (!streamed[i]) continue;
    try {
      await writeInPlace(files[i]);
    } catch (e) {
      await cleanup(0);
      throw ioError(files[i], e);
    }
  }
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    if (streamed[i]) continue;
    try {
      killPoint('rename');
      await rename(temps[i]!, f.path);
      temps[i] = undefined;
    } catch (e) {
      await cleanup(i);
      const done = files.slice(0, i).map((x) => x.path);
      throw ioError(f, e, done.length ? ` (already written: ${done.join(', ')})` : '');
    }
  }

  // Make the renames durable (best effort: not every platform can fsync a directory).
  const renamed = files.filter((_, i) => !streamed[i]);
  const dirs = new Set(renamed.map((f) => dirname(resolve(f.path))));
  await Promise.all([...dirs].map(fsyncDir));
  await Promise.all(renamed.map((f) => removeOrphans(f.path)));
}

/** Whether `path` is written in place: an existing non-regular, non-directory target, or a device/process path. */
async function isStreamTarget(path: string): Promise<boolean> {
  const abs = resolve(path);
  if (abs.startsWith('/dev/') || abs.startsWith('/proc/')) return true;
  try {
    const st = await stat(path); // follows links: a link to a pipe or a device is one too
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** 1 or 2 when `path` is this process's stdout or stderr (the same file, pipe or socket), else undefined. */
async function ownStream(path: string): Promise<1 | 2 | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return undefined;
  }
  for (const fd of [1, 2] as const) {
    try {
      const own = fstatSync(fd);
      if (own.dev === st.dev && own.ino === st.ino && (own.ino !== 0 || own.rdev === st.rdev)) return fd;
    } catch {
      // no such descriptor
    }
  }
  return undefined;
}

async function writeInPlace(f: AtomicFile): Promise<void> {
  // This process's own streams are written through their descriptors: a pipe from a parent may be
  // a socket, which cannot be opened again by path (ENXIO).
  const fd = await ownStream(f.path);
  if (fd !== undefined) {
    const stream = fd === 1 ? process.stdout : process.stderr;
    await new Promise<void>((res, rej) => stream.write(f.data, (e) => (e ? rej(e) : res())));
    return;
  }
  const fh = await open(f.path, 'w');
  try {
    await fh.writeFile(f.data);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** At most 1 + 64 + 1 bytes: with the writer token (56), the random part and `.tmp`, a temp name stays under 140 bytes. */
function tempPrefix(path: string): string {
  return `.${shortName(basename(path), 64)}.`;
}

const TEMP_REST = new RegExp(`^(${WRITER_TOKEN})\\.[0-9a-f]{12}\\.tmp$`);

/**
 * Removes temp files of `path` left by writers that were killed before their rename. A temp
 * name carries its writer's pid and machine; one whose process is gone from this machine can
 * never be renamed any more (writerGone). Best effort: a directory that cannot be listed is left alone.
 */
async function removeOrphans(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.map(async (name) => {
    if (!name.startsWith(prefix)) return;
    const m = TEMP_REST.exec(name.slice(prefix.length));
    if (!m || !writerGone(m[1]!)) return;
    await unlink(join(dir, name)).catch(() => undefined);
  }));
}

async function writeTemp(f: AtomicFile, created: (tmp: string) => void): Promise<void> {
  // Refuse a directory target before writing anything: rename would fail only in phase 2.
  let mode: number | undefined;
  try {
    const st = await stat(f.path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st.isFile()) mode = st.mode & 0o7777;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  const dir = dirname(f.path);
  const tmp = join(dir, `${tempPrefix(f.path)}${writerToken()}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx', 0o666);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw Object.assign(new Error(`directory ${dir} does not exist (ENOENT)`), { code: 'ENOENT_DIR', cause: e });
    }
    throw e;
  }
  created(tmp);
  try {
    if (mode !== undefined) await fh.chmod(mode);
    await fh.writeFile(f.data); // a string is written as UTF-8
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
  await fh.close();
}

/** fsync a folder so a rename or a new entry in it survives a crash; a no-op where folders cannot be opened. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some file systems cannot open or fsync a directory.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function prefix(argument: string | undefined): string {
  return argument ? `${argument}: ` : '';
}

function ioError(f: AtomicFile, e: unknown, suffix = ''): DspgdError {
  return new DspgdError('E_IO', `${prefix(f.argument)}cannot write ${f.path}: ${describeFsError(e)}${suffix}`, f.argument, { cause: e });
}
