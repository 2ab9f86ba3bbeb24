/**
 * What a file problem *is*: the SHA-256 of each file's bytes, recorded in the resolved grid
 * (`sha256` of a file problem: { X, Y, W0 } or { problem }), so the journal, sweep.json,
 * `--resume` and `dspgd merge` identify the data by content (gridDifference in grid.ts). A file
 * changed under the same path is then a difference that names it; the same bytes at another
 * path (another node's scratch folder) are the same problem.
 *
 * Each file is read once, streamed (never whole in memory), before the sweep starts; one file
 * that serves two roles (X and Y as members of one .npz) is read once. A path that is not a
 * regular file (a pipe: it could be read only once) gets no hash, and is compared by its path
 * as before. Where the sweep loads a file problem (execute.ts), the loader hashes the bytes it
 * reads (loadProblem's onSha256, src/io/node/file-hash.ts: no second read of the file), and
 * checkContentHashes compares those hashes with the grid's: a file changed since the hash was
 * taken (while the sweep ran, or between the start of a --resume and the load) is refused before
 * any run uses it, so the journal never mixes runs on two versions of the data.
 *
 * This is the Node file layer of the sweep (node:fs, node:crypto).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { splitNpzMember } from '../io/matrix-format.js';
import { cannotRead } from '../io/node/read.js';
import { DspgdError } from '../errors.js';
import { FILE_ROLES, isGenerated, type FileProblem, type FileRole, type GridProblemSpec, type SweepGrid } from './grid.js';

/** The SHA-256 (hex) of the file at `path`, streamed; undefined when it is not a regular file. */
export async function sha256File(path: string, argument: string): Promise<string | undefined> {
  const st = await stat(path).catch((e: unknown) => { throw cannotRead(path, argument, e); });
  if (!st.isFile()) return undefined;
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (e) {
    throw cannotRead(path, argument, e);
  }
  return hash.digest('hex');
}

/**
 * The grid with the SHA-256 of every file of its file problems filled in (generated problems
 * unchanged). Relative paths are resolved against `baseDir`, as the sweep reads them; `name`
 * says what errors call a file (default `problems[i].X`).
 */
export async function withContentHashes(grid: SweepGrid, baseDir: string, name?: (problem: number, role: FileRole) => string): Promise<SweepGrid> {
  const done = new Map<string, string | undefined>();
  const problems = [];
  for (const [i, p] of grid.problems.entries()) {
    if (isGenerated(p)) {
      problems.push(p);
      continue;
    }
    const sha256: Partial<Record<FileRole, string>> = {};
    for (const role of FILE_ROLES) {
      const path = p[role];
      if (path === undefined) continue;
      const file = resolve(baseDir, role === 'problem' ? path : splitNpzMember(path).path);
      if (!done.has(file)) done.set(file, await sha256File(file, name?.(i, role) ?? `problems[${i}].${role}`));
      const hex = done.get(file);
      if (hex !== undefined) sha256[role] = hex;
    }
    const { sha256: _old, ...rest } = p;
    problems.push(Object.keys(sha256).length ? { ...rest, sha256 } satisfies FileProblem : rest);
  }
  return { ...grid, problems };
}

/**
 * Checks that the files of problem `index` (spec `p`) hold the bytes the grid's `sha256` records:
 * by `loaded` (file path → SHA-256 of the bytes the loader read, loadProblem's onSha256), else
 * read again, streamed (relative paths against `baseDir`). A file that changed is an E_IO error
 * naming it (`problems[i].X`) and both hashes. Generated problems, and files without a hash
 * (pipes), pass.
 */
export async function checkContentHashes(p: GridProblemSpec, index: number, baseDir: string, loaded?: ReadonlyMap<string, string>): Promise<void> {
  if (isGenerated(p) || p.sha256 === undefined) return;
  const now = new Map<string, string | undefined>();
  for (const role of FILE_ROLES) {
    const path = p[role], was = p.sha256[role];
    if (path === undefined || was === undefined) continue;
    const name = `problems[${index}].${role}`;
    const file = resolve(baseDir, role === 'problem' ? path : splitNpzMember(path).path);
    if (!now.has(file)) now.set(file, loaded?.get(file) ?? await sha256File(file, name));
    const hex = now.get(file);
    if (hex === was) continue;
    throw new DspgdError('E_IO',
      `${name}: ${file} changed since the sweep started (SHA-256 was ${was.slice(0, 16)}…, now ${hex === undefined ? 'not a regular file' : `${hex.slice(0, 16)}…`}): `
      + 'its runs would mix two versions of the data. The journal keeps the runs finished before; put the file back as it was and --resume, '
      + 'or start the sweep over (without --resume) to run every run on the new data', name);
  }
}
