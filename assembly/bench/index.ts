// The benchmark module (build/dspgd-bench.wasm, and -shared for the threads build):
// kernels that only the benchmarks call, kept out of the production module. It
// imports the memory of the dspgd module it measures (bench/kernels.ts passes it),
// so streamRead reads X in place; it allocates nothing and has no data segment.
export * from "./stream_read";
export * from "./mul_add_peak";
