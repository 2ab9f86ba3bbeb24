// The fma build's module (build/dspgd-fma.wasm, and -shared for threads): the kernels of
// the pass over X compiled with relaxed SIMD, so that kernels/madd.ts becomes
// f64x2.relaxed_madd. It imports the memory of the main module and runs on the main
// module's buffers (src/wasm/kernels.ts); it allocates nothing and has no data segment,
// so instantiating it on a memory in use changes no byte of it.
export { residualGrad, residualGradRows, residualGradBatch } from "./pass/residual_grad";
export { residualRows, gradPanel } from "./pass/split";
export { mulAddPeak } from "./bench/mul_add_peak";
