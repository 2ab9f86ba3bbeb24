// Resource bombs: inputs whose header or size says they cannot be used are refused before they are
// read. Each case runs the CLI in a child process under a watchdog that kills it when its resident
// memory passes a bound (the test then fails), so a regression costs this test a bounded amount of
// memory and time. The large files are sparse (a valid header, then a hole), so they cost no disk.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { inflateSync } from 'fflate';
import { encodeNpy, readBytes, readMatrixFile, MAX_NPZ_MEMBER_BYTES, MAX_TEXT_BYTES } from '../src/io/index.js';
import { DspgdError } from '../src/errors.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
/** The CLI's own resident memory on a tiny problem is ~60 MiB; reading any of these bombs needs gigabytes. */
const RSS_LIMIT_MIB = 200;
/** Generous for a loaded CI machine: the CLI starts in ~1 s, a refusal adds milliseconds. */
const TIME_LIMIT_MS = 20_000;

let dir: string;

interface Watched { code: number | null; stderr: string; peakMiB: number; ms: number; killedFor?: 'memory' | 'time' }

/** Runs the CLI, sampling its resident memory (VmRSS) every 10 ms; kills it past RSS_LIMIT_MIB or TIME_LIMIT_MS. */
function runWatched(...args: string[]): Promise<Watched> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    let killedFor: Watched['killedFor'];
    child.stderr!.on('data', (b) => { stderr += b; });
    const sample = () => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        return; // exited
      }
      if (peakKiB > RSS_LIMIT_MIB * 1024 && !killedFor) { killedFor = 'memory'; child.kill('SIGKILL'); }
      if (performance.now() - t0 > TIME_LIMIT_MS && !killedFor) { killedFor = 'time'; child.kill('SIGKILL'); }
    };
    const timer = setInterval(sample, 10);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stderr: stderr.trim(), peakMiB: Math.round(peakKiB / 1024), ms: Math.round(performance.now() - t0), killedFor });
    });
  });
}

function expectRefused(r: Watched, message: RegExp): void {
  expect(r.killedFor, `killed for ${r.killedFor} (peak ${r.peakMiB} MiB after ${r.ms} ms); stderr: ${r.stderr}`).toBeUndefined();
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.split('\n')).toHaveLength(1);
}

/** A .npy header for `descr` and `shape`, then `dataBytes` of data as a hole (a sparse file). */
function sparseNpy(name: string, descr: string, shape: string, dataBytes: number): string {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  h += `${' '.repeat(63 - ((10 + h.length) % 64))}\n`;
  const head = new Uint8Array(10 + h.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  for (let i = 0; i < h.length; i++) head[10 + i] = h.charCodeAt(i);
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, head.length + dataBytes);
  closeSync(fd);
  return path;
}

/** The .npy header bytes (no data) for a 1-D int8 array of `count` elements. */
function int8Header(count: number): Uint8Array {
  let h = `{'descr': '|i1', 'fortran_order': False, 'shape': (${count},), }`;
  h += `${' '.repeat(63 - ((10 + h.length) % 64))}\n`;
  const out = new Uint8Array(10 + h.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  return out;
}

/**
 * A raw DEFLATE stream (one block, fixed Huffman codes) of `prefix` followed by 1 + 258·m zero
 * bytes: the prefix and one zero as literals, then m copies of "258 bytes from distance 1", 13 bits
 * each. Written by hand because deflating gigabytes of zeros takes a compressor seconds.
 */
function deflateZeros(prefix: Uint8Array, m: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((3 + 9 * (prefix.length + 1) + 13 * m + 7) / 8) + 8);
  let acc = 0, bits = 0, at = 0;
  const put = (value: number, n: number) => { // value's bits, least significant first
    acc |= value << bits;
    bits += n;
    while (bits >= 8) { out[at++] = acc & 0xff; acc >>>= 8; bits -= 8; }
  };
  const reversed = (code: number, n: number) => { let r = 0; for (let i = 0; i < n; i++) r |= ((code >> i) & 1) << (n - 1 - i); return r; };
  const literal = (b: number) => (b <= 143 ? put(reversed(0x30 + b, 8), 8) : put(reversed(0x190 + b - 144, 9), 9));
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE 01: fixed Huffman codes
  for (const b of prefix) literal(b);
  literal(0);
  const match = reversed(0xc5, 8); // length symbol 285 (258 bytes), then distance code 0 (distance 1): 5 zero bits
  for (let i = 0; i < m; i++) put(match, 13);
  put(0, 7); // end of block (symbol 256)
  if (bits > 0) out[at++] = acc & 0xff;
  return out.subarray(0, at);
}

/** A zip archive of deflated members, sizes and CRCs as given (the CRC is never reached by a refusal). */
function zipOf(members: { name: string; deflated: Uint8Array; size: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, deflated, size } of members) {
    const nm = new TextEncoder().encode(name);
    const local = new Uint8Array(30 + nm.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint16(8, 8, true);
    lv.setUint32(18, deflated.length, true); lv.setUint32(22, size, true); lv.setUint16(26, nm.length, true);
    local.set(nm, 30);
    const cd = new Uint8Array(46 + nm.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(4, 20, true); cv.setUint16(6, 20, true); cv.setUint16(10, 8, true);
    cv.setUint32(20, deflated.length, true); cv.setUint32(24, size, true); cv.setUint16(28, nm.length, true); cv.setUint32(42, offset, true);
    cd.set(nm, 46);
    parts.push(local, deflated);
    central.push(cd);
    offset += local.length + deflated.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, members.length, true); ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const x of all) { out.set(x, p); p += x.length; }
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-bombs-'));
  writeFileSync(join(dir, 'y.npy'), encodeNpy({ data: new Float64Array(40000), shape: [40000] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SOLVE = ['solve', '--precond', 'gd', '--lr', '0.1'];

describe('resource bombs are refused from the header, before reading', () => {
  it('the hand-written DEFLATE stream inflates to what it claims', () => {
    const prefix = int8Header(1 + 258 * 3);
    expect(inflateSync(deflateZeros(prefix, 3))).toEqual(Uint8Array.from([...prefix, ...new Uint8Array(1 + 258 * 3)]));
  });

  it('an int8 .npy of 40000×40000 (1.6 GB; 12.8 GB as float64): E_TOO_LARGE naming --X, nothing read', async () => {
    sparseNpy('X8.npy', '|i1', '(40000, 40000)', 40000 * 40000);
    const r = await runWatched(...SOLVE, '--X', 'X8.npy', '--Y', 'y.npy');
    expectRefused(r, /^dspgd: --X: X8\.npy: shape \(40000, 40000\) of dtype '\|i1' is 11\.9 GiB as float64, more than the 4095 MiB one array can hold in WASM memory \(refused from the header, before reading the data\)$/);
    console.log(`int8 40000×40000 .npy: refused in ${r.ms} ms, peak RSS ${r.peakMiB} MiB`);
  });

  it('every dtype is checked from the header: uint16 and float32 too, through the API as well', async () => {
    sparseNpy('X16.npy', '<u2', '(40000, 20000)', 40000 * 20000 * 2);
    const r = await runWatched(...SOLVE, '--X', 'X16.npy', '--Y', 'y.npy');
    expectRefused(r, /--X: X16\.npy: shape \(40000, 20000\) of dtype '<u2' is 6\.0 GiB as float64/);
    const f32 = sparseNpy('X32.npy', '<f4', '(40000, 16000)', 40000 * 16000 * 4);
    const e = await readMatrixFile(f32, '--W0').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DspgdError);
    expect([(e as DspgdError).code, (e as DspgdError).argument]).toEqual(['E_TOO_LARGE', '--W0']);
  });

  it('.npz declaring a 4 GiB member (27 MB of DEFLATE): refused from the zip entry, nothing inflated', async () => {
    // Over one array's worth (4 GiB less 1 MiB, plus a header), under zip's 32-bit size field.
    const m = 16_643_200;
    const count = 1 + 258 * m; // 4.0 GiB of int8 zeros
    const header = int8Header(count);
    expect(header.length + count).toBeGreaterThan(MAX_NPZ_MEMBER_BYTES);
    expect(header.length + count).toBeLessThan(2 ** 32);
    writeFileSync(join(dir, 'bomb4g.npz'), zipOf([{ name: 'X.npy', deflated: deflateZeros(header, m), size: header.length + count }]));
    for (const args of [['--problem', 'bomb4g.npz'], ['--X', 'bomb4g.npz:X', '--Y', 'y.npy']]) {
      const r = await runWatched(...SOLVE, ...args);
      expectRefused(r, new RegExp(`^dspgd: ${args[0]}: bomb4g\\.npz: member 'X\\.npy' is too large: it declares ${header.length + count} bytes uncompressed, over the limit of ${MAX_NPZ_MEMBER_BYTES} bytes for one array$`));
      console.log(`.npz with a 4 GiB member (${args[0]}): refused in ${r.ms} ms, peak RSS ${r.peakMiB} MiB`);
    }
  });

  it('.npz whose member is an int8 array too large as float64: refused from the member\'s .npy header', async () => {
    const m = 2_500_000; // 645 MB of int8 zeros: 4.8 GiB as float64
    const count = 1 + 258 * m;
    const header = int8Header(count);
    writeFileSync(join(dir, 'bombi8.npz'), zipOf([{ name: 'X.npy', deflated: deflateZeros(header, m), size: header.length + count }]));
    const r = await runWatched(...SOLVE, '--X', 'bombi8.npz:X', '--Y', 'y.npy');
    expectRefused(r, /^dspgd: --X: bombi8\.npz: member 'X\.npy': shape \(645000001,\) of dtype '\|i1' is 4\.8 GiB as float64, more than the 4095 MiB one array can hold in WASM memory/);
    console.log(`.npz with an int8 member of 4.8 GiB as float64: refused in ${r.ms} ms, peak RSS ${r.peakMiB} MiB`);
  });

  it('.npz whose member inflates to more than it declares: inflating stops at the declared size', async () => {
    const m = 700_000; // the stream holds 180 MB; the zip entry and the .npy header both claim 1000 elements
    const header = int8Header(1000);
    writeFileSync(join(dir, 'bomblie.npz'), zipOf([{ name: 'X.npy', deflated: deflateZeros(header, m), size: header.length + 1000 }]));
    const r = await runWatched(...SOLVE, '--X', 'bomblie.npz:X', '--Y', 'y.npy');
    expectRefused(r, /^dspgd: --X: bomblie\.npz: member 'X\.npy' is corrupt: it inflates to more than the \d+ bytes it declares$/);
  });

  it('text inputs: a huge file is refused from its size naming the flag given, a device from its type', async () => {
    const fd = openSync(join(dir, 'huge.csv'), 'w');
    ftruncateSync(fd, 2 ** 30);
    closeSync(fd);
    let r = await runWatched(...SOLVE, '--X', 'huge.csv', '--Y', 'y.npy');
    expectRefused(r, new RegExp(`^dspgd: --X: huge\\.csv is ${2 ** 30} bytes, more than the ${MAX_TEXT_BYTES} bytes \\(256 MiB\\) a text matrix file may have; save large arrays as \\.npy$`));
    symlinkSync('/dev/zero', join(dir, 'zero.csv'));
    writeFileSync(join(dir, 'X.npy'), encodeNpy({ data: new Float64Array(40000 * 2), shape: [40000, 2] }));
    r = await runWatched(...SOLVE, '--X', 'X.npy', '--Y', 'zero.csv');
    expectRefused(r, /^dspgd: --Y: cannot read zero\.csv: is a character device, not a file$/);
    r = await runWatched(...SOLVE, '--X', 'zero.csv', '--Y', 'y.npy');
    expectRefused(r, /^dspgd: --X: cannot read zero\.csv: is a character device, not a file$/);
  });

  it('a pipe that never ends is read up to the cap only', async () => {
    const fifo = join(dir, 'endless.csv');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `exec cat /dev/zero > '${fifo}'`], { stdio: 'ignore' });
    try {
      const cap = 1 << 20;
      const t0 = performance.now();
      const e = await readBytes(fifo, '--X', cap).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DspgdError);
      expect([(e as DspgdError).code, (e as DspgdError).argument]).toEqual(['E_TOO_LARGE', '--X']);
      expect((e as Error).message).toBe(`--X: ${fifo} gives more than ${cap} bytes, more than the ${cap} bytes (1 MiB) a text matrix file may have; save large arrays as .npy`);
      expect(performance.now() - t0).toBeLessThan(TIME_LIMIT_MS);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
