// The README's preconditioner table, built from the registry alone (test/registry.test.ts
// checks that the README shows exactly this).
import { REGISTRY, BUILTIN_PRECOND_NAMES, type RegistryEntry } from '../../src/precond/registry.js';

export const TABLE_HEAD = '| name | ∇K(G) | parameters (default, range) | preserves row space | what it is |\n|---|---|---|---|---|';

export function readmeRow(name: string, e: RegistryEntry): string {
  const params = Object.entries(e.params).map(([k, s]) => `${k} = ${s.default} (${s.range.replace(/^a number /, '')})`).join(', ') || '—';
  const cell = (t: string) => t.replace(/\|/g, '\\|');
  return `| \`${name}\` | ${cell(e.summary)} | ${params} | ${e.preservesRowSpace ? 'yes' : 'no'} | ${cell(e.doc)} |`;
}

export const readmeTable = () => [TABLE_HEAD, ...BUILTIN_PRECOND_NAMES.map((n) => readmeRow(n, REGISTRY[n]))].join('\n');

