/**
 * A worker_threads Worker that runs a file, with this process's Node flags. Left alone, a Worker
 * inherits them, and that fails in two cases this works around:
 * - `--input-type` (from `node --input-type=module -e …`) makes the worker refuse to load a file,
 *   so it must be taken out, which means passing `execArgv` explicitly;
 * - an explicit `execArgv` may not hold V8 flags (`--max-old-space-size`, `--stack-size`: the
 *   Worker throws ERR_WORKER_INVALID_EXEC_ARGV naming them), which the worker has anyway, V8's
 *   flags being the process's. Those it names are dropped and the Worker is made again.
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';

type WorkerClass = new (file: string | URL, options?: WorkerOptions) => Worker;

export function fileWorker(W: WorkerClass, file: string | URL, options: WorkerOptions = {}, execArgv: readonly string[] = process.execArgv): Worker {
  if (!execArgv.some((a) => a.startsWith('--input-type'))) return new W(file, options);
  let flags = execArgv.filter((a) => !a.startsWith('--input-type'));
  try {
    return new W(file, { ...options, execArgv: flags });
  } catch (e) {
    const m = (e as { code?: string; message?: string }).code === 'ERR_WORKER_INVALID_EXEC_ARGV'
      ? /flags: (.*)$/.exec((e as Error).message) : null;
    if (!m) throw e;
    const invalid = new Set(m[1]!.split(/,\s*/));
    flags = flags.filter((a) => !invalid.has(a));
    return new W(file, { ...options, execArgv: flags });
  }
}
