// The WASM module's public surface. Each area keeps its kernels in its own
// folder; this file only re-exports. Pointers are byte offsets into linear
// memory, shapes are explicit, matrices are row-major and contiguous.
export * from "./abi";
export * from "./memory";
export * from "./kernels/dot";
export * from "./kernels/matmul";
export * from "./pass/residual_grad";
export * from "./pass/split";
export * from "./kernels/power_iteration";
export { lossEval, lossRow } from "./losses/index";
export * from "./precond/index";
export * from "./linalg/index";
export * from "./random/index";
export * from "./rowspace/index";
