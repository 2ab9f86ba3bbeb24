/**
 * Which machine a process runs on, and whether a process of this machine is gone: what decides
 * that a lock (src/sweep/lock.ts) or a temporary file or folder (atomic.ts, folder-swap.ts) was
 * left by a writer that no longer exists.
 *
 * A pid means something only where it was taken. On a cluster's shared file system (NFS,
 * Lustre) the nodes write side by side, each with its own pids: a pid that is not alive here may
 * be a live process of another node. "This machine" is the hostname *and* the boot (Linux's
 * /proc/sys/kernel/random/boot_id, new at every boot) *and* the pid namespace (/proc/self/ns/pid:
 * a container has its own pids); two nodes may carry one hostname (images cloned with it, or
 * containers on the host's network). Where the boot id or the pid namespace cannot be read (no
 * /proc), no machine can be told from another, and nothing of another process is ever taken
 * for stale.
 *
 * Temporary names carry a writer token `PID@HOST.TAG`: HOST is the hostname's first label in
 * file-name-safe characters (for a person reading a listing), TAG 12 hex digits of the SHA-256 of
 * hostname, boot id and pid namespace (what tells the machine, in a fixed, short length).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';

/** What tells this machine from others: hostname, boot id and pid namespace (the last two on Linux, else absent). */
export interface Machine {
  host: string;
  boot?: string;
  pidns?: string;
}

function procText(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This machine, as a lock records it. */
export function thisMachine(): Machine {
  const boot = procText(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidns = procText(() => readlinkSync('/proc/self/ns/pid'));
  return { host: hostname(), ...(boot ? { boot } : {}), ...(pidns ? { pidns } : {}) };
}

/** Whether a process with this id exists on this machine (someone else's counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * The writer token's pattern, without groups (for a RegExp source): PID@HOST.TAG. HOST is at
 * most 32 characters of [A-Za-z0-9_-], so the token is at most 10 + 1 + 32 + 1 + 12 = 56 bytes.
 */
export const WRITER_TOKEN = '\\d{1,10}@[A-Za-z0-9_-]{1,32}\\.[0-9a-f]{12}';

/** TAG of `m`: 12 hex digits of the SHA-256 of its hostname, boot id and pid namespace. */
export function machineTag(m: Machine): string {
  return createHash('sha256').update(`${m.host}\n${m.boot ?? ''}\n${m.pidns ?? ''}`).digest('hex').slice(0, 12);
}

// This process's machine does not change while it runs (a renamed host only makes its own
// leftovers look foreign to it: they are then left, never wrongly removed).
let mine: { token: string; tag: string; identified: boolean } | undefined;
function me(): NonNullable<typeof mine> {
  if (mine) return mine;
  const m = thisMachine();
  const host = m.host.split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32) || '_';
  const tag = machineTag(m);
  mine = { token: `${process.pid}@${host}.${tag}`, tag, identified: m.boot !== undefined && m.pidns !== undefined };
  return mine;
}

/** This process's writer token, PID@HOST.TAG, for the names of its temporary files and folders. */
export function writerToken(): string {
  return me().token;
}

/**
 * Whether the writer of a temporary name (its token, matching WRITER_TOKEN) is certainly gone:
 * it ran on this machine (its TAG is this machine's, and this machine can be told from others),
 * it is not this process, and its pid is not alive here. A writer of another machine, or of a
 * machine that cannot be told, never is: its file may be another node's live one.
 */
export function writerGone(token: string): boolean {
  const m = /^(\d+)@[^.]*\.([0-9a-f]{12})$/.exec(token);
  if (!m) return false;
  const here = me();
  const pid = Number(m[1]);
  return here.identified && m[2] === here.tag && pid !== process.pid && !processAlive(pid);
}

/**
 * `name` in at most `maxBytes` bytes of UTF-8, for the part of a temporary name that says whose
 * it is: as it is when it fits, else cut at a character boundary and followed by `~` and 8 hex
 * digits of its SHA-256 (two long names that share their start still differ). A file name has
 * at most 255 bytes on the usual file systems, and the temporary name adds to it.
 */
export function shortName(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  let cut = '';
  let bytes = 0;
  for (const ch of name) { // by code points: a surrogate pair is never split
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes - 9) break;
    cut += ch;
    bytes += b;
  }
  return `${cut}~${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}
