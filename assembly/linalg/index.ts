// Kernels of this area are exported from here (see assembly/index.ts).
// Rank-revealing LQ of X (row-major, row pivoting) and what the GD limit and the
// implicit-bias report need from it: X⁺B and the row/null-space split.
// src/linalg/row-space.ts sequences these calls; each file states its contract.
export { lqFactor } from "./lq";
export { lqApplyQ, lqApplyQt } from "./apply_q";
export { triSolveLower, triSolveLowerT, lqGatherRows, lqLowerTranspose } from "./solve";
export { lqPow2Scale, lqScaledCopy } from "./scale";
export { orthonormalizeRows, orthonormalizeScratchLen } from "./orthonormalize";
export { cholesky, cholSolve, packLower } from "./cholesky";
export { triangleExtremes } from "./triangle_extremes";
