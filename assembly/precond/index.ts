// Kernels of this area are exported from here (see assembly/index.ts).
