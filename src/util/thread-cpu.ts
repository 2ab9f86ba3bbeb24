/**
 * The CPU time of the calling thread, in milliseconds, where the runtime lets a thread read its
 * own: Node ≥ 23.9 (`process.threadCpuUsage`), or Linux (`/proc/thread-self/schedstat`, the
 * nanoseconds this thread has run). Undefined elsewhere (a browser, macOS on Node 20). Sweeps use
 * it to say how busy each worker thread was (bench/sweep.ts), never to decide anything.
 */
type Fs = { readFileSync(path: string, enc: 'utf8'): string };
type Proc = { threadCpuUsage?: () => { user: number; system: number }; getBuiltinModule?: (id: string) => unknown; platform?: string };

let reader: (() => number | undefined) | undefined;

export function threadCpuMs(): number | undefined {
  reader ??= pick();
  return reader();
}

function pick(): () => number | undefined {
  const proc = (globalThis as { process?: Proc }).process;
  if (typeof proc?.threadCpuUsage === 'function') {
    const f = proc.threadCpuUsage.bind(proc);
    return () => { const u = f(); return (u.user + u.system) / 1000; };
  }
  const fs = proc?.platform === 'linux' ? proc.getBuiltinModule?.('node:fs') as Fs | undefined : undefined;
  if (!fs) return () => undefined;
  const read = (): number | undefined => {
    try {
      const ns = Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
      return Number.isFinite(ns) ? ns / 1e6 : undefined;
    } catch {
      return undefined;
    }
  };
  return read() === undefined ? () => undefined : read;
}
