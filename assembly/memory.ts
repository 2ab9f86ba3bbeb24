// Raw buffer management for the TypeScript layer. Every array the solver touches
// lives in linear memory and is addressed by byte pointer, so kernels never
// allocate and the JS side can build Float64Array views without copying.
// heap.alloc returns 16-byte aligned blocks (TLSF), which suits v128 loads.

/** Allocates `bytes` bytes (16-byte aligned). May grow memory: JS views must be rebuilt after. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Releases a block obtained from `alloc`. */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** Current size of linear memory in bytes. */
export function memoryBytes(): usize {
  return <usize>memory.size() << 16;
}
