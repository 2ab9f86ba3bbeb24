/**
 * Ctrl-C during a run: the first SIGINT aborts the solve through its
 * AbortSignal (it returns status 'aborted' and the CLI still writes what was
 * finished); a second one exits at once with code 130.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ndspgd: interrupted; stopping after this iteration and writing what is finished (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
