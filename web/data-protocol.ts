/** Messages between the demo page and its data worker (data-worker.ts). */
import type { Matrix } from '../src/matrix.js';

export type DataRequest =
  | { id: number; op: 'parse'; file: File }
  | { id: number; op: 'padded'; n: number; d: number; k: number; seed: number };

export type DataResponse =
  | { id: number; matrices: Matrix[] }
  | { id: number; error: { message: string; code?: string } };

/** A small client: one worker, requests answered by id. */
export class DataWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(m: Matrix[]): void; reject(e: Error): void }>();
  private next = 1;

  constructor(url: URL) {
    this.worker = new Worker(url, { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<DataResponse>) => {
      const w = this.waiting.get(ev.data.id);
      if (!w) return;
      this.waiting.delete(ev.data.id);
      if ('error' in ev.data) w.reject(Object.assign(new Error(ev.data.error.message), { code: ev.data.error.code }));
      else w.resolve(ev.data.matrices);
    };
    this.worker.onerror = (ev) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the data worker failed: ${ev.message || 'could not start'}`));
      this.waiting.clear();
    };
  }

  private ask(body: DataRequest extends infer R ? R extends DataRequest ? Omit<R, 'id'> : never : never): Promise<Matrix[]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id });
    });
  }

  async parse(file: File): Promise<Matrix> {
    return (await this.ask({ op: 'parse', file }))[0]!;
  }

  async padded(n: number, d: number, k: number, seed: number): Promise<{ X: Matrix; Y: Matrix }> {
    const [X, Y] = await this.ask({ op: 'padded', n, d, k, seed });
    return { X: X!, Y: Y! };
  }
}
