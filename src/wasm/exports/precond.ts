/** Typed signatures of the WASM exports from assembly/precond/ (pointers are byte offsets). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PrecondExports {}
