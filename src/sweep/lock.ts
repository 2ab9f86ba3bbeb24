/**
 * One writer per sweep output folder: `dspgd sweep` (and `dspgd merge` into its --out-dir)
 * holds a lock on the folder while it runs, so that two sweeps into one folder, or a `--resume`
 * while the first run is alive, cannot interleave the journal.
 *
 * The lock is a file beside the folder, `.NAME.dspgd-lock` in its parent (beside, not inside:
 * a report is swapped in by renaming the folder as a whole, and the lock must hold across that,
 * and across the recovery of a swap a killed writer left). It is created with O_EXCL and holds
 * {pid, host, boot, pidns, started, command, token}. Taking it when it exists:
 *   - the holder is on this machine and its pid is gone (or is a newer process that reused the
 *     pid: Linux, from /proc): the lock is stale, removed, and taken (the caller is told);
 *   - otherwise: a DspgdError E_IO naming the folder and the holder, and the file to delete once
 *     that process is known to be gone.
 * "This machine" is the hostname *and* the boot id *and* the pid namespace (src/io/node/machine.ts,
 * which the temporary files of atomic writes and report swaps use too): on a cluster's shared file
 * system two nodes may carry one hostname, and a pid means something only where it was taken. A
 * lock that does not record all three (written where there is no /proc, or by an older dspgd) is
 * never broken, only named.
 * A stale lock is removed under a second O_EXCL file (`….dspgd-lock.break`), after reading it
 * again, so that two processes breaking one stale lock at once cannot remove the lock the
 * first of them has just taken.
 *
 * Released by release() (the normal way), and, while held, on process exit (a second Ctrl-C's
 * process.exit), and on SIGTERM and SIGHUP (Slurm's scancel and time limit, a closed terminal),
 * which then end the process with 128 + the signal's number. SIGKILL leaves the lock behind:
 * stale, it is taken over by the next run on the same machine (hostname, boot and pid namespace).
 *
 * This is the Node file layer of the sweep (node:fs).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { DspgdError } from '../errors.js';
import { describeFsError } from '../io/node/read.js';
import { processAlive, thisMachine, type Machine } from '../io/node/machine.js';

/** The lock of folder `dir` (its real path, when it exists: two names of one folder share one lock). */
export async function lockPath(dir: string): Promise<string> {
  const abs = await realpath(resolve(dir)).catch(() => resolve(dir));
  return join(dirname(abs), `.${basename(abs)}.dspgd-lock`);
}

export interface LockHolder {
  pid: number;
  host: string;
  /** The boot of the holder's machine (Linux boot_id), absent where unknown. */
  boot?: string;
  /** The holder's pid namespace ('pid:[4026531836]'), absent where unknown. */
  pidns?: string;
  /** ISO 8601 time the lock was taken. */
  started: string;
  /** What holds it ('dspgd sweep --grid …'). */
  command: string;
  /** Tells this lock from a later one of the same pid. */
  token: string;
}

const code = (e: unknown) => (e as { code?: string } | null)?.code;
const SIGNALS = { SIGTERM: 15, SIGHUP: 1 } as const;

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isSafeInteger(h.pid) && typeof h.host === 'string' && typeof h.started === 'string') {
      return {
        pid: h.pid!, host: h.host, ...(typeof h.boot === 'string' ? { boot: h.boot } : {}), ...(typeof h.pidns === 'string' ? { pidns: h.pidns } : {}),
        started: h.started, command: typeof h.command === 'string' ? h.command : '?', token: String(h.token ?? ''),
      };
    }
  } catch { /* undefined below */ }
  return undefined;
}

function readHolder(path: string): LockHolder | undefined | 'absent' {
  try {
    return parseHolder(readFileSync(path, 'utf8'));
  } catch (e) {
    if (code(e) === 'ENOENT') return 'absent';
    throw e;
  }
}

/** When process `pid` started (ms since the epoch), from Linux's /proc; undefined elsewhere or when it cannot be read. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, starttime in clock ticks after boot; the fields after the ')' closing the name start at field 3.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder's pid can be checked from here: the same hostname, boot and pid namespace,
 * the last two known on both sides (a lock that does not record them is from a machine that
 * cannot be told from this one).
 */
export function sameMachine(h: LockHolder, me: Machine = thisMachine()): boolean {
  return h.host === me.host && me.boot !== undefined && h.boot === me.boot && me.pidns !== undefined && h.pidns === me.pidns;
}

/**
 * Who holds the lock of folder `dir` and is alive on this machine, if anyone (a sweep still
 * writing it); a holder elsewhere (or that cannot be checked) or a stale lock is not reported.
 */
export async function liveHolder(dir: string): Promise<LockHolder | undefined> {
  const h = readHolder(await lockPath(dir));
  return h !== 'absent' && h !== undefined && sameMachine(h) && !holderGone(h) && h.pid !== process.pid ? h : undefined;
}

/**
 * Whether the holder is certainly gone: on this machine (sameMachine), and its pid is not alive,
 * or is alive but started after the lock was taken (the pid was reused). A holder elsewhere, or
 * one whose machine cannot be told from this one, never is.
 */
export function holderGone(h: LockHolder, me: Machine = thisMachine()): boolean {
  if (!sameMachine(h, me)) return false;
  if (h.pid === process.pid) return false;
  if (!processAlive(h.pid)) return true;
  const since = processStartMs(h.pid);
  const taken = Date.parse(h.started);
  // 2 s of slack: the start time from /proc is to a clock tick, and the lock is written after the process started.
  return since !== undefined && Number.isFinite(taken) && since > taken + 2000;
}

function describeHolder(h: LockHolder, me: Machine): string {
  const why = h.boot === undefined || h.pidns === undefined ? 'the lock does not record its boot id and pid namespace'
    : me.boot === undefined || me.pidns === undefined ? 'this machine has no boot id or pid namespace to compare'
      : h.boot !== me.boot ? `another boot id, ${h.boot}: another machine of the same name, or this one before a reboot`
        : `another pid namespace, ${h.pidns}: another container`;
  const where = sameMachine(h, me) ? 'on this host'
    : h.host !== me.host ? `on host ${h.host} (this is ${me.host}: whether it still runs cannot be checked from here)`
      : `on host ${h.host}, not known to be this machine (${why}; whether it still runs cannot be checked from here)`;
  return `pid ${h.pid} ${where}, since ${h.started}: ${h.command}`;
}

export interface LockOptions {
  /** The flag that named the folder, for messages ('--out-dir'). */
  argument: string;
  /** What holds the lock, recorded in it ('dspgd sweep …'). */
  command: string;
  /** Told when a stale lock was removed. */
  onNote?(message: string): void;
  /** Exits the process on SIGTERM/SIGHUP after releasing (default true; tests of the API pass false). */
  handleSignals?: boolean;
}

export class FolderLock {
  private released = false;
  private readonly onExit = () => this.release();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.release();
    process.exit(128 + (SIGNALS[signal as keyof typeof SIGNALS] ?? 15));
  };

  private constructor(readonly path: string, readonly holder: LockHolder, private readonly signals: boolean) {
    process.on('exit', this.onExit);
    if (signals) for (const s of Object.keys(SIGNALS)) process.on(s, this.onSignal);
  }

  /** Takes the lock of folder `dir` (whose parent is created if need be), or throws E_IO naming the holder. */
  static async acquire(dir: string, o: LockOptions): Promise<FolderLock> {
    const path = await lockPath(dir);
    const machine = thisMachine();
    await mkdir(dirname(path), { recursive: true }).catch((e: unknown) => {
      throw new DspgdError('E_IO', `${o.argument}: cannot create ${dirname(path)}: ${describeFsError(e)}`, o.argument, { cause: e });
    });
    const me: LockHolder = { pid: process.pid, ...machine, started: new Date().toISOString(), command: o.command, token: randomBytes(8).toString('hex') };
    let unreadable = 0;
    for (let attempt = 0; ; attempt++) {
      if (tryCreate(path, `${JSON.stringify(me)}\n`, o.argument)) return new FolderLock(path, me, o.handleSignals ?? true);
      const h = readHolder(path);
      if (h === 'absent') continue; // released in between: try again
      if (h === undefined) {
        // Being written (created, not yet filled), or damaged: wait a little, then say so.
        if (++unreadable < 20) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        throw new DspgdError('E_IO',
          `${o.argument}: ${dir} is locked by ${path}, which does not say by whom (damaged); if no dspgd runs into this folder, delete that file`, o.argument);
      }
      if (attempt < 100 && holderGone(h, machine)) {
        if (breakStale(path, h, o.argument)) o.onNote?.(`removed the stale lock of ${dir} (${describeHolder(h, machine)}: that process is gone)`);
        else await new Promise((r) => setTimeout(r, 10)); // another process is breaking it
        continue;
      }
      throw new DspgdError('E_IO',
        `${o.argument}: ${dir} is in use by another dspgd (${describeHolder(h, machine)}); two processes must not write one sweep folder: `
        + `wait for it to end, or give another folder. If that process is gone, delete ${path}`, o.argument);
    }
  }

  /** Removes the lock if it is still this one; idempotent, synchronous (it runs in exit handlers). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (this.signals) for (const s of Object.keys(SIGNALS)) process.off(s, this.onSignal);
    try {
      const h = readHolder(this.path);
      if (h !== 'absent' && h?.token === this.holder.token) unlinkSync(this.path);
    } catch { /* the folder is gone, or not ours any more: nothing to release */ }
  }
}

/** Creates `path` exclusively with `text`; false when it exists. */
function tryCreate(path: string, text: string, argument: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw new DspgdError('E_IO', `${argument}: cannot create the lock ${path}: ${describeFsError(e)}`, argument, { cause: e });
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes the stale lock `h` at `path`, under `path.break` so that no other process can have
 * taken the lock between the check and the removal. False when another process is breaking it
 * (the caller tries again, and finds that one's lock or none).
 */
function breakStale(path: string, h: LockHolder, argument: string): boolean {
  const guard = `${path}.break`;
  const mine = `${JSON.stringify({ pid: process.pid, ...thisMachine(), started: new Date().toISOString(), command: 'breaking a stale lock', token: '' })}\n`;
  if (!tryCreate(guard, mine, argument)) {
    // A breaker that died holding the guard (it holds it for microseconds) leaves it stale too.
    const g = readHolder(guard);
    if (g !== 'absent' && g !== undefined && holderGone(g)) {
      try { unlinkSync(guard); } catch { /* another did */ }
    }
    return false;
  }
  try {
    const now = readHolder(path);
    if (now === 'absent' || now === undefined || now.token !== h.token || now.pid !== h.pid) return false;
    unlinkSync(path);
    return true;
  } finally {
    try { unlinkSync(guard); } catch { /* gone already */ }
  }
}
