/**
 * Fault injection for the crash tests (test/reliability/report-swap.test.ts):
 * with DSPGD_TEST_KILL_AT=<point>:<n>, the n-th time (from 1) this process
 * reaches `killPoint(<point>)` it sends itself SIGKILL, which is exactly what
 * `kill -9` at that moment does, without the timing luck. Unset (always, in
 * normal use), a call is one comparison.
 */
const spec = /^([a-z-]+):(\d+)$/.exec(process.env.DSPGD_TEST_KILL_AT ?? '');
let hits = 0;

export function killPoint(point: string): void {
  if (spec === null || spec[1] !== point) return;
  if (++hits === Number(spec[2])) process.kill(process.pid, 'SIGKILL');
}
