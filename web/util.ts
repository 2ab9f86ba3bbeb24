/** Small helpers shared by the demo and bench pages. */
import { DspgdError } from '../src/errors.js';

export type LrItem = number | { autoFactor: number };

/** "0.01, auto, 0.5*auto" → numbers and multiples of the suggested stable step (as `dspgd sweep --lr`). */
export function parseLrs(text: string): LrItem[] {
  const out: LrItem[] = [];
  for (const raw of text.split(/[,\s]+/).filter(Boolean)) {
    const m = /^(?:([0-9.eE+-]+)\s*\*\s*)?auto$/.exec(raw);
    const v = m ? Number(m[1] ?? 1) : Number(raw);
    if (!Number.isFinite(v) || v <= 0) {
      throw new DspgdError('E_PARAM', `learning rates: expected numbers > 0, auto or F*auto, got ${JSON.stringify(raw)}`, 'lr');
    }
    out.push(m ? { autoFactor: v } : v);
  }
  if (!out.length) throw new DspgdError('E_PARAM', 'learning rates: give at least one', 'lr');
  return out;
}

export function formatSpecParams(p: Readonly<Record<string, number>>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`).join(',');
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? Number(x.toPrecision(4)).toString() : x.toExponential(2);
}

export function download(name: string, data: string | Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
