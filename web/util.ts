/** Small helpers shared by the demo and bench pages. */
import { parseLrList, type LrSpec } from '../src/lr-spec.js';
import { formatHuman } from '../src/util/numbers.js';

export type LrItem = LrSpec;

/** "0.01, auto, 0.5*auto" → numbers and multiples of the suggested stable step (the parser of `dspgd sweep --lr`). */
export function parseLrs(text: string): LrItem[] {
  return parseLrList(text, 'lr', 'learning rates');
}

export function formatSpecParams(p: Readonly<Record<string, number>>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`).join(',');
}

/** A number in the page's tables and labels: 4 significant digits, compact exponent outside [1e-3, 1e5). */
export const fmt = (x: number): string => formatHuman(x, 4);

export function download(name: string, data: string | Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
