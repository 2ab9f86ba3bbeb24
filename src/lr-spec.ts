/**
 * Learning rates as people write them, one parser for the API (`lr: '0.5*auto'`),
 * `dspgd solve --lr`, `dspgd sweep --lr` and the demo page:
 *
 *   0.01          a learning rate (a finite number > 0)
 *   auto          the stable step suggestLearningRate() computes from λmax(XᵀX)
 *   0.25*auto     a multiple F > 0 of it (also `auto*0.25`, spaces around `*` allowed)
 *
 * Lists separate items with commas and/or blanks: `0.01, auto 0.5*auto`.
 */
import { DspgdError } from './errors.js';

/** A learning rate, or a multiple of the suggested stable step ('auto' is { autoFactor: 1 }). */
export type LrSpec = number | { autoFactor: number };

/** The string forms solve() accepts for `lr` besides a number. */
export type LrText = 'auto' | `${number}*auto` | `auto*${number}`;

const FACTOR = String.raw`([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)`;
const AUTO = new RegExp(String.raw`^(?:${FACTOR}\s*\*\s*)?auto$|^auto\s*\*\s*${FACTOR}$`, 'i');
const NUMBER = new RegExp(`^${FACTOR}$`);

function expected(argument: string, got: string, label = argument): DspgdError {
  return new DspgdError('E_PARAM',
    `${label}: expected a learning rate > 0, auto or F*auto (F > 0, e.g. 0.5*auto), got ${JSON.stringify(got)}`, argument);
}

/**
 * One learning rate: a number > 0, `auto`, `F*auto` or `auto*F`. Errors are E_PARAM about
 * `argument`; `label` starts their message (default: the argument).
 */
export function parseLr(text: string, argument = 'lr', label = argument): LrSpec {
  if (typeof text !== 'string') throw expected(argument, String(text), label);
  const t = text.trim();
  const m = AUTO.exec(t);
  if (m) {
    const f = Number(m[1] ?? m[2] ?? 1);
    if (!Number.isFinite(f) || f <= 0) throw expected(argument, t, label);
    return { autoFactor: f };
  }
  const v = NUMBER.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v <= 0) throw expected(argument, t, label);
  return v;
}

/** A list of learning rates separated by commas and/or blanks; at least one. */
export function parseLrList(text: string, argument = 'lr', label = argument): LrSpec[] {
  if (typeof text !== 'string') throw expected(argument, String(text), label);
  // `0.5 * auto` is one item: close up the blanks around '*' before splitting on blanks.
  const items = text.replace(/\s*\*\s*/g, '*').split(/[\s,]+/).filter((s) => s !== '');
  if (items.length === 0) {
    throw new DspgdError('E_PARAM', `${label}: expected at least one learning rate (numbers > 0, auto or F*auto), got ${JSON.stringify(text)}`, argument);
  }
  return items.map((s) => parseLr(s, argument, label));
}

/** The text form of a spec: `0.01`, `auto`, `0.25*auto`. */
export function formatLrSpec(s: LrSpec): string {
  if (typeof s === 'number') return String(s);
  return s.autoFactor === 1 ? 'auto' : `${s.autoFactor}*auto`;
}

/** A spec in the form solve() takes for `lr`: the number, 'auto' or 'F*auto'. */
export function lrOption(s: LrSpec): number | LrText {
  if (typeof s === 'number') return s;
  return s.autoFactor === 1 ? 'auto' : `${s.autoFactor}*auto`;
}
