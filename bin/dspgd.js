#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli.js by `npm run build` (run by npm install).
import('../dist/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    console.error('dspgd: dist/cli.js is missing; run `npm run build` first');
    process.exit(2);
  }
  throw err;
});
