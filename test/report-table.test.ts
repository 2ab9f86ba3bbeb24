// src/report/table.ts: CSV and JSON rows that read back to exactly the same numbers (checked with an
// independent RFC 4180 splitter and parseCsvTable), and the aligned text table.
import { describe, it, expect } from 'vitest';
import { parseCsvTable } from '../src/io/csv.js';
import { rowsToCsv, rowsToJson, parseRowsCsv, parseRowsJson, formatTable, NOT_CONVERGED_HEADING, formatParams, parseParams } from '../src/report/table.js';
import { ROW_COLUMNS, type RunRow } from '../src/experiment.js';
import { makeRow } from './helpers/report-data.js';

/** Tricky values: shortest round-trip forms with many digits, extremes, non-finite, null seed. */
function trickyRows(): RunRow[] {
  return [
    makeRow('gd', 0.1 + 0.2, 1, { relDistToGD: 5e-324, c: 1.0000000000000002, timeMs: 1 / 3 }),
    makeRow('adam:eps=0.1', 1.7976931348623157e308, 2, { relResidual: 1e-300, nullspaceNorm: 123456789012345680000 }),
    makeRow('sign:eps=0.001', 2 ** -40, null, { status: 'diverged', relResidual: Infinity, relDistToGD: NaN, c: -Infinity, rowspaceNorm: NaN }),
    makeRow('clip-elementwise:c=0.05', 3e-7, 0, { status: 'max-iter', params: { c: 0.05, weird: 1 / 7 }, lrSensitivity: null }),
    makeRow('huber-run', 0.01, 3, { relDistToGD: null, c: null, lrSensitivity: null }),
  ];
}

/** An RFC 4180 line splitter written independently of src/report/table.ts. */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') q = false; else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cell); cell = ''; } else cell += ch;
  }
  out.push(cell);
  return out;
}

describe('table', () => {
  const rows = trickyRows();
  const NUMERIC = ['lr', 'iterations', 'relResidual', 'rowspaceNorm', 'nullspaceNorm', 'timeMs'] as const;
  const NULLABLE = ['relDistToGD', 'c', 'lrSensitivity'] as const;

  it('rowsToCsv: header ROW_COLUMNS; the numbers read back exactly with parseCsvTable', () => {
    const csv = rowsToCsv(rows);
    const lines = csv.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(ROW_COLUMNS.join(','));
    const cells = lines.map(splitLine);
    for (const c of cells) expect(c).toHaveLength(ROW_COLUMNS.length);
    const col = (name: string) => ROW_COLUMNS.indexOf(name as (typeof ROW_COLUMNS)[number]);

    // The numeric columns, as a CSV of their own, through the library's reader.
    const numeric = cells.map((c) => NUMERIC.map((n) => c[col(n)]).join(',')).join('\n');
    const t = parseCsvTable(numeric, 'sweep.csv');
    expect(t.header).toEqual([...NUMERIC]);
    expect(t.matrix.shape).toEqual([rows.length, NUMERIC.length]);
    rows.forEach((r, i) => { NUMERIC.forEach((n, j) => {
      expect(Object.is(t.matrix.data[i * NUMERIC.length + j], r[n]), `${n} of row ${i}: ${t.matrix.data[i * NUMERIC.length + j]} vs ${r[n]}`).toBe(true);
    }); });

    // Not-applicable values (null) are empty cells; the others read back exactly.
    rows.forEach((r, i) => { NULLABLE.forEach((n) => {
      const cell = cells[i + 1]![col(n)]!;
      if (r[n] === null) expect(cell, `${n} of row ${i}`).toBe('');
      else expect(Object.is(parseCsvTable(`${n}\n${cell}`, 'x').matrix.data[0], r[n]), `${n} of row ${i}: ${cell}`).toBe(true);
    }); });

    // Text columns, seed and flags.
    rows.forEach((r, i) => {
      const c = cells[i + 1]!;
      expect(c[col('precond')]).toBe(r.precond);
      expect(parseParams(c[col('params')]!)).toEqual(r.params);
      expect(c[col('seed')]).toBe(r.seed === null ? '' : String(r.seed));
      expect(c[col('status')]).toBe(r.status);
      expect(c[col('preservesRowSpace')]).toBe(String(r.preservesRowSpace));
    });
    expect(csv).toContain('"c=0.05;weird=0.14285714285714285"');
    expect(csv).toContain(',inf,nan,-inf,0.05,nan,');
  });

  it('parseRowsCsv reads rowsToCsv back into the same rows', () => {
    expect(parseRowsCsv(rowsToCsv(rows))).toEqual(rows);
    expect(parseRowsCsv(rowsToCsv([]))).toEqual([]);
    // a spec with a comma and a quote survives the quoting
    const odd = [makeRow('gd', 0.5, 1, { precond: 'my "pre",cond', name: 'my "pre"' })];
    expect(parseRowsCsv(rowsToCsv(odd))[0]!.precond).toBe('my "pre",cond');
    expect(() => parseRowsCsv('precond,lr\ngd,1\n')).toThrow(/missing column/);
    // a file written before the lrSensitivity column existed reads with null there
    const old = rowsToCsv(rows).split('\n').map((l) => splitLine(l).filter((_, j) => j !== ROW_COLUMNS.indexOf('lrSensitivity')).join(',')).join('\n');
    expect(parseRowsCsv(old).map((r) => r.lrSensitivity)).toEqual(rows.map(() => null));
    // an empty cell is not a number where a number is required
    expect(() => parseRowsCsv(rowsToCsv(rows).replace(',1234,', ',,'))).toThrow(/iterations: expected a number/);
  });

  it('params: key=value;key=value in full precision', () => {
    expect(formatParams({ eps: 0.1, c: 1 / 3 })).toBe('eps=0.1;c=0.3333333333333333');
    expect(parseParams('eps=0.1;c=0.3333333333333333')).toEqual({ eps: 0.1, c: 1 / 3 });
    expect(formatParams({})).toBe('');
  });

  it('rowsToJson: valid JSON, non-finite numbers as strings; parseRowsJson gives the same rows', () => {
    const text = rowsToJson(rows);
    const data = JSON.parse(text) as Record<string, unknown>[];
    expect(data).toHaveLength(rows.length);
    expect(data[2]!.relResidual).toBe('Infinity');
    expect(data[2]!.relDistToGD).toBe('NaN');
    expect(data[2]!.c).toBe('-Infinity');
    expect(data[2]!.seed).toBeNull();
    expect(Object.keys(data[0]!)).toEqual(['precond', 'name', ...ROW_COLUMNS.filter((c) => c !== 'precond')]);
    expect(data[1]!.lr).toBe(1.7976931348623157e308);
    expect(data[0]!.relDistToGD).toBe(5e-324);
    expect(data[4]!.relDistToGD).toBeNull();
    expect(data[4]!.lrSensitivity).toBeNull();
    expect(parseRowsJson(text)).toEqual(rows);
    expect(rowsToJson([])).toBe('[]\n');
    expect(() => parseRowsJson('{')).toThrow(/not valid JSON/);
  });

  it('formatTable: aligned columns, a header and a rule; runs that did not converge apart, below a heading', () => {
    const t = formatTable(rows);
    const lines = t.split('\n');
    expect(lines).toHaveLength(rows.length + 3);
    expect(lines[0]).toMatch(/^precond\s+lr\s+seed\s+status/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    for (const r of rows) expect(t).toContain(r.precond);
    // converged rows (gd, adam, huber-run) first, then the heading, then diverged and max-iter
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual(['gd', 'adam:eps=0.1', 'huber-run']);
    expect(lines[5]).toBe(NOT_CONVERGED_HEADING);
    expect(lines[6]).toContain('diverged');
    expect(lines[6]).toContain('NaN');
    expect(lines[7]).toContain('max-iter');
    expect(lines[4]).toMatch(/n\/a/);
    // numbers are right-aligned: every row's `iters` column ends at the same place
    const itersEnd = lines[0]!.indexOf('iters') + 'iters'.length;
    for (const l of [...lines.slice(2, 5), ...lines.slice(6)]) expect(l[itersEnd - 1]).toMatch(/\d/);
    expect(formatTable(rows, ['precond', 'c']).split('\n')[2]).toMatch(/^gd\s+1\.0000$/);
  });
});
