#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli.js (and the chunks each command loads when it
// runs) by `npm run build` (run by npm install).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
import(cli.href).catch((err) => {
  // Only a missing dist/cli.js itself means "not built": a module it imports that cannot be found
  // (a dependency left out of an install) must be reported as that error, not as this one.
  if (!existsSync(cli)) {
    console.error('dspgd: dist/cli.js is missing; run `npm run build` first');
    process.exit(2);
  }
  console.error(`dspgd: could not start: ${err?.stack ?? err}`);
  process.exit(2);
});
