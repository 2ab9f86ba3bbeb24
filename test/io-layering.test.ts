// The I/O layering: codecs (src/io/*.ts) are bytes in, arrays out, usable in any runtime; only the
// Node file layer (src/io/node/) touches the file system. Read from the import statements.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const IO = join(__dirname, '..', 'src', 'io');
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);

describe('src/io layering', () => {
  const codecs = readdirSync(IO).filter((f) => f.endsWith('.ts') && f !== 'index.ts');

  it('the codecs import no node: module and nothing of the Node file layer', () => {
    expect(codecs).toEqual(expect.arrayContaining(['npy.ts', 'npz.ts', 'csv.ts', 'json.ts', 'crc32.ts']));
    for (const f of codecs) {
      const bad = importsOf(join(IO, f)).filter((s) => s.startsWith('node:') || s.includes('/node/') || s.includes('fs-errors'));
      expect(bad, f).toEqual([]);
    }
  });

  it('"cannot read" is worded in one place', () => {
    const files = [...codecs.map((f) => join(IO, f)), ...readdirSync(join(IO, 'node')).map((f) => join(IO, 'node', f))];
    const withWording = files.filter((f) => readFileSync(f, 'utf8').includes('cannot read ${'));
    expect(withWording.map((f) => f.slice(IO.length + 1))).toEqual(['node/read.ts']);
  });
});
