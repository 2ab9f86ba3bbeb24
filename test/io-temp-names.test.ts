// Temporary files (atomic writes) and the sibling folders of a report swap on a shared file
// system: their names say which machine wrote them (PID@HOST.TAG), and a leftover is removed only
// when its writer is gone from THIS machine. Another node's (its pids are not ours to check), or
// one named by an older dspgd (pid only), is left alone. Names stay within 255 bytes.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/io/index.js';
import { recoverFolder, replaceFolder } from '../src/io/node/folder-swap.js';

// The names of the temp files writeFileAtomic opens ('wx'), as they are created.
const opened = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      if (args[1] === 'wx') opened.push(String(args[0]));
      return real.open(...args);
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-temp-names-'));
  opened.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// This machine, computed here from /proc (not by src/io/node/machine.ts): the hostname's first
// label in file-name characters, and 12 hex digits of SHA-256(hostname \n boot id \n pid namespace).
const HOST = hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 32) || '_';
const tagOf = (host: string, boot: string, pidns: string) => createHash('sha256').update(`${host}\n${boot}\n${pidns}`).digest('hex').slice(0, 12);
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const PIDNS = readlinkSync('/proc/self/ns/pid');
const TAG = tagOf(hostname(), BOOT, PIDNS);
/** Another node of the same hostname (a cloned image), and a container on this kernel with its own pids. */
const CLONE_TAG = tagOf(hostname(), '00000000-1111-2222-3333-444444444444', PIDNS);
const CONTAINER_TAG = tagOf(hostname(), BOOT, 'pid:[1]');
// A pid that is certainly not alive here: a child run to completion.
const DEAD = spawnSync(process.execPath, ['-e', '0']).pid!;
const RAND = '0123456789ab';
const bytes = (s: string) => Buffer.byteLength(s);

describe('atomic writes: temp files', () => {
  it('a temp name is .NAME.PID@HOST.TAG.RANDOM.tmp, with this process and machine', async () => {
    await writeFileAtomic(join(dir, 'out.json'), '{}');
    expect(opened.map((p) => p.slice(dir.length + 1))).toEqual([expect.stringMatching(new RegExp(`^\\.out\\.json\\.${process.pid}@${HOST}\\.${TAG}\\.[0-9a-f]{12}\\.tmp$`))]);
  });

  it('a dead writer\'s temp file is removed only when it was written on this machine; another node\'s, or an older dspgd\'s, is left', async () => {
    const mine = `.out.json.${DEAD}@${HOST}.${TAG}.${RAND}.tmp`;
    const kept = [
      `.out.json.${DEAD}@${HOST}.${CLONE_TAG}.${RAND}.tmp`, // same hostname, another boot: another node
      `.out.json.${DEAD}@${HOST}.${CONTAINER_TAG}.${RAND}.tmp`, // another pid namespace
      `.out.json.${DEAD}@node-elsewhere.${tagOf('node-elsewhere.cluster', BOOT, PIDNS)}.${RAND}.tmp`,
      `.out.json.${DEAD}.${RAND}.tmp`, // pid only (an older dspgd): may be another node's live write
      `.out.json.${process.ppid}@${HOST}.${TAG}.${RAND}.tmp`, // alive here (our parent)
      `.other.json.${DEAD}@${HOST}.${TAG}.${RAND}.tmp`, // another target
      `.out.json.${DEAD}@${HOST}.${TAG}.tmp`, // not a name dspgd writes
    ];
    for (const name of [mine, ...kept]) writeFileSync(join(dir, name), 'partial');
    await writeFileAtomic(join(dir, 'out.json'), '{}');
    expect(readdirSync(dir).sort()).toEqual([...kept, 'out.json'].sort());
  });

  it('a target name of 251 bytes: the temp name stays within 255 bytes, and its leftovers are still told by it', async () => {
    const name = `${'日'.repeat(82)}.json`;
    expect(bytes(name)).toBe(251);
    await writeFileAtomic(join(dir, name), '{}');
    const temp = opened[0]!.slice(dir.length + 1);
    expect(bytes(temp)).toBeLessThanOrEqual(255);
    // Cut at a character boundary to 55 bytes (18 characters here), then ~ and 8 hex digits of the whole name's SHA-256.
    const stem = `${'日'.repeat(18)}~${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
    expect(temp).toMatch(new RegExp(`^\\.${stem}\\.${process.pid}@`));
    const orphan = `.${stem}.${DEAD}@${HOST}.${TAG}.${RAND}.tmp`;
    const otherName = `.${stem.slice(0, -8)}00000000.${DEAD}@${HOST}.${TAG}.${RAND}.tmp`; // a long name that starts alike
    writeFileSync(join(dir, orphan), 'partial');
    writeFileSync(join(dir, otherName), 'partial');
    await writeFileAtomic(join(dir, name), '{"again": 1}');
    expect(readdirSync(dir).sort()).toEqual([name, otherName].sort());
  });
});

describe('report folder swaps: sibling folders', () => {
  const spec = { manifest: '.manifest', ownName: /^[a-z]+\.txt$/ };
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  /**
   * A sibling folder as a killed writer leaves it: the report `a.txt` listed in its manifest, and
   * in an old folder the user's `notes.md` (one that appeared in DIR during the swap: no link to it in DIR).
   */
  function leftover(parent: string, name: string): string {
    const path = join(parent, name);
    mkdirSync(path);
    writeFileSync(join(path, 'a.txt'), 'report');
    if (name.includes('dspgd-old-')) writeFileSync(join(path, 'notes.md'), 'mine');
    writeFileSync(join(path, spec.manifest), JSON.stringify({ files: [{ name: 'a.txt', sha256: sha('report') }] }));
    return path;
  }

  it('the swap\'s folders are named .DIR.dspgd-new-PID@HOST.TAG-RANDOM; a 240-byte folder name is written (its siblings within 255 bytes)', async () => {
    const long = 'r'.repeat(240);
    await replaceFolder(join(dir, long), [{ name: 'a.txt', data: 'one' }], spec);
    await replaceFolder(join(dir, long), [{ name: 'a.txt', data: 'two' }], spec);
    expect(readFileSync(join(dir, long, 'a.txt'), 'utf8')).toBe('two');
    const siblings = opened.map((p) => p.slice(dir.length + 1).split('/')[0]!).filter((n) => n !== long);
    const stem = `${'r'.repeat(87)}~${sha(long).slice(0, 8)}`;
    expect(new Set(siblings).size).toBe(2); // one per write
    for (const name of siblings) expect(name).toMatch(new RegExp(`^\\.${stem}\\.dspgd-new-${process.pid}@${HOST}\\.${TAG}-[0-9a-f]{12}$`));
    expect(Math.max(...siblings.map(bytes))).toBeLessThanOrEqual(255);
    expect(readdirSync(dir)).toEqual([long]);
  });

  it('a killed swap of this machine is finished; one of another node, or named by an older dspgd, is left as it is', async () => {
    const live = join(dir, 'report');
    // Killed between its two renames, on this machine: DIR absent, the complete new folder goes in.
    leftover(dir, `.report.dspgd-old-${DEAD}@${HOST}.${TAG}-${RAND}`);
    leftover(dir, `.report.dspgd-new-${DEAD}@${HOST}.${TAG}-${RAND}`);
    await recoverFolder(live, spec);
    expect(readdirSync(live).sort()).toEqual(['.manifest', 'a.txt', 'notes.md']);
    expect(readdirSync(dir)).toEqual(['report']);

    rmSync(live, { recursive: true });
    const foreign = [
      `.report.dspgd-new-${DEAD}@${HOST}.${CLONE_TAG}-${RAND}`,
      `.report.dspgd-old-${DEAD}@node-elsewhere.${CONTAINER_TAG}-${RAND}`,
      `.report.dspgd-old-${DEAD}-${RAND}`, // pid only: an older dspgd
    ];
    for (const name of foreign) leftover(dir, name);
    await recoverFolder(live, spec);
    expect(existsSync(live)).toBe(false);
    await replaceFolder(live, [{ name: 'a.txt', data: 'new' }], spec);
    expect(readdirSync(dir).sort()).toEqual([...foreign, 'report'].sort());
    for (const name of foreign) {
      expect(readdirSync(join(dir, name)).sort(), name).toEqual(['.manifest', 'a.txt', ...(name.includes('-old-') ? ['notes.md'] : [])]);
    }
  });

  it('a folder whose own name holds ".dspgd-new-": its old leftover is emptied as an old one (the user\'s file goes back, not away)', async () => {
    const live = join(dir, 'r.dspgd-new-1');
    await replaceFolder(live, [{ name: 'a.txt', data: 'report' }], spec);
    // Killed after the swap, before the old folder was emptied; notes.md appeared in DIR during the swap.
    const old = leftover(dir, `.r.dspgd-new-1.dspgd-old-${DEAD}@${HOST}.${TAG}-${RAND}`);
    await recoverFolder(live, spec);
    expect(existsSync(old)).toBe(false);
    expect(readFileSync(join(live, 'notes.md'), 'utf8')).toBe('mine');
  });
});
