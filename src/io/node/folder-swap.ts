/**
 * A folder of the tool's files replaced as a whole: a reader of DIR sees the
 * old set of files or the new one, never a mix, even when the writer is
 * killed (SIGKILL) at any point.
 *
 * How: the new files are written (and fsynced) into a hidden sibling folder
 * `.DIR.dspgd-new-WRITER-RANDOM`, the manifest last; the user's own entries of
 * DIR are carried over (a hard link for a file, a copy of a symbolic link);
 * then DIR is renamed to `.DIR.dspgd-old-WRITER-RANDOM`, the new folder to DIR,
 * and the old one is emptied and removed. Between those two renames DIR is
 * absent for a moment (a reader sees no folder, not a mix): Linux's
 * renameat2(RENAME_EXCHANGE) would close that gap, but Node does not offer it.
 *
 * A writer killed midway leaves its sibling folders behind; the next write
 * into DIR (by any process on the same machine) finishes or undoes that swap
 * first: with DIR absent, a complete new folder is renamed into place (else
 * the old one is put back); then the leftovers are emptied and removed.
 * WRITER is PID@HOST.TAG (machine.ts): a killed writer is one whose pid is
 * gone from this machine. Sibling folders of another machine (on a shared
 * file system another node's pid says nothing here), or named by an older
 * dspgd (`.DIR.dspgd-new-PID-RANDOM`), are left alone: they may be a swap in
 * progress. DIR in these names is cut to 96 bytes (with a hash of the whole
 * name: machine.ts shortName), so that they fit in a file name's 255 bytes.
 *
 * Never deleted: anything the tool cannot prove it wrote. "Ours" is the
 * manifest and the files it lists with their SHA-256 still matching; the
 * report's own names are replaced (as a rename over them would). A user's
 * file in an old leftover folder is removed only when DIR holds a hard link
 * to the same file; one that appeared in DIR during the swap is moved back
 * into DIR. (A new folder that is discarded was never visible: it holds only
 * the writer's files and second links it made.)
 * A folder holding sub-folders the tool did not write, the current folder (or
 * one above it) and a mount point are refused: they cannot be swapped without
 * moving what is not ours.
 */
import { chmod, link, lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { DspgdError } from '../../errors.js';
import { describeFsError } from './read.js';
import { fsyncDir } from './atomic.js';
import { killPoint } from './fault.js';
import { shortName, writerGone, writerToken, WRITER_TOKEN } from './machine.js';

export interface FolderFile {
  /** A plain name inside the folder (no separators). */
  name: string;
  data: string | Uint8Array;
}

export interface FolderSpec {
  /** The manifest's name inside the folder, e.g. '.dspgd-report'. */
  manifest: string;
  /** The names the tool can write; a manifest may list no others. */
  ownName: RegExp;
  /** Prefixes error messages and becomes `err.argument`. */
  argument?: string;
}

interface ManifestEntry { name: string; sha256: string }

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const code = (e: unknown) => (e as { code?: string }).code;

/**
 * Replaces the tool's files in `dir` by `files` (plus a manifest naming them
 * with their SHA-256), as a whole. Creates `dir` and its parents. Throws
 * DspgdError('E_IO') when the folder cannot be written or swapped; then `dir`
 * is as it was.
 */
export async function replaceFolder(dir: string, files: readonly FolderFile[], spec: FolderSpec): Promise<void> {
  const { argument } = spec;
  const prefix = argument ? `${argument}: ` : '';
  const fail = (what: string, e?: unknown): DspgdError =>
    new DspgdError('E_IO', `${prefix}${what}${e === undefined ? '' : `: ${describeFsError(e)}`}`, argument, e === undefined ? undefined : { cause: e });
  // A link to a folder: the folder it names is the one replaced (the link stays a link).
  const abs = await realpath(resolve(dir)).catch(() => resolve(dir));
  const parent = dirname(abs);
  const base = basename(abs);
  if (parent === abs || base === '') throw fail(`${dir} is a file system root; a report needs a folder of its own`);
  const inTheWay = await stat(abs).then((st) => !st.isDirectory(), () => false);
  if (inTheWay) throw fail(`${dir} exists and is not a folder`);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw fail(`cannot create the report folder ${dir}`, e);
  }
  // First finish or undo what a killed writer left: it may put the folder back.
  await recover(parent, base, spec);
  const before = await stat(abs).catch((e: unknown) => (code(e) === 'ENOENT' ? undefined : Promise.reject(fail(`cannot open the report folder ${dir}`, e))));
  if (before && !before.isDirectory()) throw fail(`${dir} exists and is not a folder`);
  const cwd = process.cwd();
  if (before && (cwd === abs || cwd.startsWith(abs + sep))) {
    throw fail(`${dir} is the current folder or holds it; a report folder is replaced as a whole, so give it one of its own (such as ${join(dir, 'report')})`);
  }
  if (before) {
    const up = await stat(parent);
    if (up.dev !== before.dev) throw fail(`${dir} is a mount point; a report folder is replaced as a whole (renamed), so give a folder inside it`);
  }

  // What DIR holds now: the previous report (dropped), and the user's entries (carried over).
  const previous = before ? await readManifest(join(abs, spec.manifest), spec) : [];
  const newNames = new Set(files.map((f) => f.name));
  const carry: string[] = [];
  if (before) {
    for (const name of await readdir(abs)) {
      if (name === spec.manifest || newNames.has(name)) continue;
      if (await isOurs(abs, name, previous)) continue;
      const st = await lstat(join(abs, name));
      if (st.isDirectory()) {
        throw fail(`${dir} holds the folder ${name}${sep}, which dspgd did not write; a report folder is replaced as a whole, so give it one of its own (a new or empty path)`);
      }
      carry.push(name);
    }
  }

  const token = `${writerToken()}-${randomBytes(6).toString('hex')}`;
  const next = join(parent, `${siblings(base)}new-${token}`);
  const old = join(parent, `${siblings(base)}old-${token}`);
  try {
    await mkdir(next);
  } catch (e) {
    throw fail(`cannot create the report folder ${dir}`, e);
  }
  try {
    if (before) await chmod(next, before.mode & 0o7777);
    for (const f of files) {
      await writeSynced(join(next, f.name), f.data);
      killPoint('report-file');
    }
    for (const name of carry) {
      const from = join(abs, name);
      const st = await lstat(from);
      if (st.isSymbolicLink()) await symlink(await readlink(from), join(next, name));
      else await link(from, join(next, name));
      killPoint('report-carry');
    }
    // The manifest last: a new folder with its manifest is complete (recover() may then finish the swap).
    const manifest = { files: files.map((f) => ({ name: f.name, sha256: sha256(f.data) })) };
    await writeSynced(join(next, spec.manifest), `${JSON.stringify(manifest)}\n`);
    await fsyncDir(next);
  } catch (e) {
    await emptyLeftover(next, abs, spec, false);
    throw e instanceof DspgdError ? e : fail(`cannot write the report folder ${dir}`, e);
  }

  killPoint('report-swap');
  if (before) {
    try {
      await rename(abs, old);
    } catch (e) {
      await emptyLeftover(next, abs, spec, false);
      throw fail(`cannot replace the report folder ${dir}`, e);
    }
  }
  killPoint('report-swap');
  try {
    await rename(next, abs);
  } catch (e) {
    // Put the old folder back; the new one goes.
    if (before) await rename(old, abs).catch(() => undefined);
    await emptyLeftover(next, abs, spec, false);
    throw fail(`cannot replace the report folder ${dir}`, e);
  }
  await fsyncDir(parent);
  killPoint('report-swap');
  if (before) await emptyLeftover(old, abs, spec, true);
}

/**
 * Finishes or undoes a swap into `dir` that a killed writer left, and removes
 * the leftovers; for a caller that reads or writes other files in `dir`
 * before it replaces the report (sweep's journal). Best effort, never throws.
 */
export async function recoverFolder(dir: string, spec: FolderSpec): Promise<void> {
  const abs = await realpath(resolve(dir)).catch(() => resolve(dir));
  const parent = dirname(abs);
  if (parent === abs || basename(abs) === '') return;
  await recover(parent, basename(abs), spec).catch(() => undefined);
}

/** Finishes or undoes the swaps of killed writers into `parent/base`, then removes their leftovers. */
async function recover(parent: string, base: string, spec: FolderSpec): Promise<void> {
  const abs = join(parent, base);
  // m[1]: new or old; m[2]: the token (one per swap); m[3]: its writer.
  const re = new RegExp(`^${escapeRegExp(siblings(base))}(new|old)-((${WRITER_TOKEN})-[0-9a-f]{12})$`);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  const leftovers = names.map((n) => re.exec(n)).filter((m): m is RegExpExecArray => m !== null && writerGone(m[3]!));
  if (leftovers.length === 0) return;
  const has = (kind: string, token: string) => leftovers.some((m) => m[1] === kind && m[2] === token);
  if (!(await exists(abs))) {
    // Killed between the two renames: the new folder if it is complete, else the old one, goes back.
    // (A complete new folder without an old one: the first write, killed just before its rename.)
    const complete = async (m: RegExpExecArray) => m[1] === 'new' && (await exists(join(parent, m[0], spec.manifest)));
    for (const m of leftovers) {
      const token = m[2]!;
      if (m[1] === 'old') {
        const next = join(parent, `${siblings(base)}new-${token}`);
        const ready = has('new', token) && (await exists(join(next, spec.manifest)));
        await rename(ready ? next : join(parent, m[0]), abs).catch(() => undefined);
        break;
      }
      if (!has('old', token) && (await complete(m))) {
        await rename(join(parent, m[0]), abs).catch(() => undefined);
        break;
      }
    }
  }
  for (const m of leftovers) {
    const path = join(parent, m[0]);
    if (await exists(path)) await emptyLeftover(path, abs, spec, m[1] === 'old');
  }
}

/**
 * Empties and removes a sibling folder. A new folder (never swapped in) goes
 * whole. In an old folder (`restore`) the tool's files go, a user's file goes
 * only when `live` holds a hard link to it, and one without such a link (it
 * appeared during the swap) is moved back into `live`. Whatever is left keeps
 * the folder (nothing is lost).
 */
async function emptyLeftover(folder: string, live: string, spec: FolderSpec, restore: boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  const listed = await readManifest(join(folder, spec.manifest), spec);
  // What the live folder's report wrote: in an old folder, a file of the same name was replaced
  // by it (as a rename over it would have), even when the user had edited it.
  const replaced = new Set(restore ? (await readManifest(join(live, spec.manifest), spec)).map((e) => e.name) : []);
  // A new folder that is discarded was never visible: every entry in it was made by the writer,
  // its own files or second links to files that were in the live folder (or still are). Every
  // new folder is emptied without `restore`, every old one with it (told by the caller, not
  // from the name: DIR's own name may hold `.dspgd-new-`).
  const newFolder = !restore;
  // The manifest goes last: a cleanup killed midway must still know which files are the tool's.
  const remove = async (name: string) => {
    const path = join(folder, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) return;
    const livePath = join(live, name);
    const liveSt = await lstat(livePath).catch(() => undefined);
    const linked = liveSt !== undefined && liveSt.dev === st.dev && liveSt.ino === st.ino;
    const ours = name === spec.manifest || (newFolder && !st.isDirectory())
      || (st.isFile() && (replaced.has(name) || (await isOurs(folder, name, listed))));
    const sameLink = st.isSymbolicLink() && liveSt?.isSymbolicLink() && (await readlink(path)) === (await readlink(livePath).catch(() => undefined));
    if (ours || linked || sameLink) {
      await unlink(path).catch(() => undefined);
    } else if (restore && liveSt === undefined && !st.isDirectory()) {
      await rename(path, livePath).catch(() => undefined);
    }
    killPoint('report-clean');
  };
  await Promise.all(names.filter((n) => n !== spec.manifest).map(remove));
  if (names.includes(spec.manifest)) await remove(spec.manifest);
  await rmdir(folder).catch(() => undefined);
}

async function isOurs(folder: string, name: string, listed: readonly ManifestEntry[]): Promise<boolean> {
  const entry = listed.find((p) => p.name === name);
  if (!entry) return false;
  const current = await readFile(join(folder, name)).catch(() => undefined);
  return current !== undefined && sha256(current) === entry.sha256;
}

/**
 * The files a manifest lists with their recorded SHA-256: only names the
 * tool can write, so a damaged or forged manifest cannot reach outside the
 * folder or name the user's files. A manifest without hashes (or damaged)
 * lists nothing.
 */
async function readManifest(path: string, spec: FolderSpec): Promise<ManifestEntry[]> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    if (!Array.isArray(files)) return [];
    return files.filter((f): f is ManifestEntry =>
      f !== null && typeof f === 'object' && typeof f.name === 'string' && spec.ownName.test(f.name)
      && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256));
  } catch {
    return [];
  }
}

async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'wx', 0o666);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * How the names of the sibling folders of `base` start, `.BASE.dspgd-` (then `new-` or `old-`
 * and the token): BASE cut to 96 bytes, so that a name is at most 1 + 96 + 11 + 56 + 13 = 177.
 */
const siblings = (base: string) => `.${shortName(base, 96)}.dspgd-`;

const exists = (path: string) => lstat(path).then(() => true, () => false);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
