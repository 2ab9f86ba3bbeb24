// The numbers the TypeScript layer and this module must agree on, declared once
// here and exported as WASM globals: src/wasm/abi.ts reads them when the module
// loads and refuses a module whose numbers differ from its own (with noAssert, a
// mismatch would otherwise be silent memory corruption).

// Preconditioner ids (assembly/precond/index.ts dispatch; src/precond/registry.ts).
export const PRECOND_GD: i32 = 0;
export const PRECOND_NORMALIZED: i32 = 1;
export const PRECOND_CLIP: i32 = 2;
export const PRECOND_POWER: i32 = 3;
export const PRECOND_COLNORM: i32 = 4;
export const PRECOND_SPECTRAL: i32 = 5;
export const PRECOND_ADAM: i32 = 6;
export const PRECOND_SIGN: i32 = 7;
export const PRECOND_CLIP_ELEMENTWISE: i32 = 8;
export const PRECOND_ROWNORM: i32 = 9;
export const PRECOND_LION: i32 = 10;
/** One past the largest preconditioner id. */
export const PRECOND_COUNT: i32 = 11;

// Loss ids (assembly/losses/index.ts dispatch; src/losses LOSS_IDS).
export const LOSS_SQUARED: i32 = 0;
export const LOSS_HUBER: i32 = 1;
export const LOSS_LOGCOSH: i32 = 2;
export const LOSS_LP: i32 = 3;

// residualGradBatch's run record: BATCH_RECORD_DOUBLES f64 per run, each field at
// the byte offset below (pointers and numbers stored as doubles).
export const BATCH_RECORD_DOUBLES: i32 = 8;
export const BATCH_W: i32 = 0;
export const BATCH_G: i32 = 8;
export const BATCH_R: i32 = 16;
export const BATCH_D: i32 = 24;
export const BATCH_STATS: i32 = 32;
export const BATCH_LOSS_ID: i32 = 40;
export const BATCH_LOSS_PARAM: i32 = 48;
export const BATCH_SCALE: i32 = 56;

// Threshold of the scale-safe norms (kernels/scaled.ts), for the row-space path's ‖G‖.
export { SUMSQ_SAFE_LO } from "./kernels/scaled";
