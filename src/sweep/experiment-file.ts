/**
 * An experiment file's text → its resolved grid: JSON (grid.ts, parseGridFile), or YAML when
 * the name ends in `.yaml` or `.yml`. YAML is read with the `yaml` package (YAML 1.2, core
 * schema: `yes`/`no`/`on` stay strings, as in JSON; duplicate keys and a second document are
 * errors) into the same plain object a JSON file gives, and validated by the same gridFromJson,
 * so both forms have one schema and one set of errors. A YAML error also names its line: the
 * parser's position for a syntax error (`experiment.yaml:3:7: not valid YAML (…)`), and for a
 * schema error the line of the key or list entry its path names
 * (`experiment.yaml:12: preconds[2].eps: expected a number > 0, got -1`).
 *
 * No Node API here (the caller reads the file).
 */
import { createRequire } from 'node:module';
import type { Document, Node } from 'yaml';
import { DspgdError } from '../errors.js';
import { gridFromJson, parseGridFile, type SweepGrid } from './grid.js';

/** Whether `name` is read as YAML (by its extension). */
export function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** The grid an experiment file's text describes; `name` (its path as given) names it in messages and picks the format. */
export function parseExperimentFile(text: string, name: string): SweepGrid {
  return isYamlName(name) ? parseYamlGrid(text, name) : parseGridFile(text, name);
}

/**
 * The `yaml` package, required on first use: loading it takes about 60 ms, which every `dspgd`
 * command paid at start while only `--grid *.yaml` needs it.
 */
let yamlLib: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlLib ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/** Aliases a YAML file may expand (a guard against exponential "billion laughs" documents). */
const MAX_ALIASES = 100;

export function parseYamlGrid(text: string, name: string): SweepGrid {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2', schema: 'core' });
  const bad = doc.errors[0];
  if (bad) {
    const at = bad.linePos?.[0] ?? (Number.isSafeInteger(bad.pos?.[0]) ? lines.linePos(bad.pos[0]) : undefined);
    const where = at ? `${name}:${at.line}:${at.col}` : name;
    throw new DspgdError('E_FORMAT', `${where}: not valid YAML (${bad.message.split('\n')[0]})`, '--grid', { cause: bad });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new DspgdError('E_FORMAT', `${name}: not valid YAML (${(e as Error).message.split('\n')[0]})`, '--grid', { cause: e });
  }
  try {
    return gridFromJson(data, name);
  } catch (e) {
    if (!(e instanceof DspgdError) || !e.message.startsWith(`${name}: `)) throw e;
    // The message is "NAME: PATH: what"; the line is that of the deepest node PATH reaches.
    const rest = e.message.slice(name.length + 2);
    const path = rest.slice(0, rest.indexOf(': '));
    const offset = offsetOf(doc, path);
    if (offset === undefined) throw e;
    throw new DspgdError(e.code, `${name}:${lines.linePos(offset).line}: ${rest}`, e.argument, { cause: e.cause ?? e });
  }
}

/**
 * Where in the text the path `a.b[2].c` (as the grid's messages write it) is: the start of the
 * key for an entry of a mapping, of the item for an entry of a list, for the deepest step that
 * exists; undefined when not even the first does.
 */
function offsetOf(doc: Document, path: string): number | undefined {
  const steps = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
  if (steps.length === 0 || /^\(/.test(path)) return undefined;
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  let node: unknown = doc.contents;
  let found: number | undefined;
  for (const step of steps) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node) && typeof step === 'string') {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === step);
      if (!pair) break;
      found = (pair.key as Node | null)?.range?.[0] ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as Node | undefined;
      if (item === undefined) break;
      found = item.range?.[0] ?? found;
      node = item;
    } else break;
  }
  return found;
}
