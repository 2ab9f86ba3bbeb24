// Runs the conformance cases against the built package and prints one JSON line:
//   node|deno run -A|bun test/runtimes/conformance.mjs
import * as lib from '../../dist/index.js';
import { runCases } from './cases.mjs';

const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';
console.log(JSON.stringify({ runtime, results: await runCases(lib) }));
