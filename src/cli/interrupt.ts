/**
 * Ctrl-C during a run: the first SIGINT aborts the solve through its
 * AbortSignal (it returns status 'aborted' with the message 'Ctrl-C', and the
 * CLI still writes what was finished); a second one exits at once with code 130.
 */

/** The abort reason a Ctrl-C gives; solve() reports a string reason as the run's message. */
export const CTRL_C = 'Ctrl-C';

/**
 * `running` tells whether the work has started (see below); default: from the start.
 * `beforeMessage` runs before the notice is written: a progress bar must be
 * stopped first, or its next redraw lands on top of the notice.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, beforeMessage?: () => void, running: () => boolean = () => true): Promise<T> {
  const ac = new AbortController();
  const onSigint = () => {
    // Before the run has started (`running` false: still loading) there is nothing to keep: quit as the default handler would.
    if (ac.signal.aborted || !running()) process.exit(130);
    beforeMessage?.();
    // On a terminal, start from a clean line: the echoed ^C (and any bar remnant) is wiped.
    const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
    process.stderr.write(`${clear}dspgd: interrupted; stopping after this iteration and writing what is finished (Ctrl-C again to quit now)\n`);
    ac.abort(CTRL_C);
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
