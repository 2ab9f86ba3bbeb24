/**
 * The library's API as a browser gets it: the shared list of src/api.ts. Browser only: nothing
 * beyond where the WASM comes from, which src/browser/index.ts and external.ts set up before
 * re-exporting this. Not here: loadProblem (Node only; it reads files from disk).
 */
export * from '../api.js';
