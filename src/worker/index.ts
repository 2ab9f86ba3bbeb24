/**
 * dspgd/worker: the solver in a Web Worker (browsers) or a worker thread (Node).
 *
 * @example
 * const runner = await createRunner();
 * const problem = await runner.generate({ n: 50, d: 200, seed: 1 });
 * const ctl = new AbortController();
 * const r = await runner.solve(problem, { precond: 'adam:eps=0.05', lr: 'auto' },
 *   { signal: ctl.signal, onProgress: (p) => console.log(p.iteration, p.loss) });
 * await runner.terminate();
 */
export { createRunner, type Runner, type RunnerOptions, type CallOptions, type BatchCallOptions, type RemoteProblem, type RemoteGridProblem, type RunProgress, type ProblemInfo } from './runner.js';
