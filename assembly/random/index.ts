// Kernels of this area are exported from here (see assembly/index.ts).
export { rngSeed, fillNormal, fillUniform } from "./xoshiro";
export { fillGeometric, scaleRows } from "./spectrum";
