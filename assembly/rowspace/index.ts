// The row-space fast path: W = W0 + XᵀA iterated in the n×k coordinates A.
export * from "./gram";
export * from "./metric";
export * from "./products";
export * from "./spectral";
