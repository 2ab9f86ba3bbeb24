#!/usr/bin/env node
// Merges bench JSON results from several runtimes into one Markdown table: ms per iteration and
// the share of that runtime's own f64x2 peak (the bench's `arithmetic` probe) per workload.
//   node bench/merge-runtimes.mjs node=a.json deno=b.json bun=c.json > table.md
import { readFileSync } from 'node:fs';

const runs = process.argv.slice(2).map((arg) => {
  const [label, file] = arg.split('=');
  return { label, file, b: JSON.parse(readFileSync(file, 'utf8')) };
});
if (runs.length === 0) throw new Error('usage: merge-runtimes.mjs LABEL=FILE.json ...');
const ms = (x) => (x < 1 ? x.toPrecision(3) : x.toFixed(2));
const lines = [];
lines.push(`| workload | precond | ${runs.map((r) => `${r.label} ms/iter | ${r.label} % peak`).join(' | ')} |`);
lines.push(`|---|---|${runs.map(() => '---:|---:').join('|')}|`);
const keys = [...new Set(runs.flatMap((r) => r.b.rows.map((row) => `${row.workload} ${row.precond}`)))];
for (const key of keys) {
  const cells = runs.map((r) => {
    const row = r.b.rows.find((x) => `${x.workload} ${x.precond}` === key);
    return row ? `${ms(row.dspgd.msPerIter)} | ${(100 * row.arithmetic.fraction).toFixed(0)}%` : '— | —';
  });
  lines.push(`| ${key.replace(' ', ' | ')} | ${cells.join(' | ')} |`);
}
lines.push(`| f64x2 peak | GFLOP/s | ${runs.map((r) => `${r.b.arithmetic.gflops.toFixed(2)} | 100%`).join(' | ')} |`);
const t = runs.map((r) => {
  const th = (r.b.threads ?? []).map((x) => `${x.workload} ${x.precond} ${x.threadsUsed} threads ${x.speedup.toFixed(2)}×${x.identical ? ' (bit-identical)' : ''}`).join(', ');
  return `- ${r.label}: ${r.file.split('/').pop()}, quick=${r.b.quick}, ${r.b.environment.cpu} ${r.b.environment.cores} cores${th ? `; threads section: ${th}` : ''}`;
});
console.log(lines.join('\n') + '\n\n' + t.join('\n'));
