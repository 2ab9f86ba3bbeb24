/**
 * The WASM value types as the declarations of the exports spell them. All three are JS numbers;
 * the name says which WASM type the export takes or returns, which a JS call cannot see (an f64
 * passed for an i32 is truncated without a word). test/wasm-signatures.test.ts reads the types
 * from the built binaries and fails when a declaration disagrees.
 */
/** A byte offset into linear memory (usize: an i32 on wasm32). */
export type Ptr = number;
/** An i32 (count, index, id or flag). */
export type I32 = number;
/** An f64. */
export type F64 = number;
