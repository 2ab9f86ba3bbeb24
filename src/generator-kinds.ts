/**
 * The names of the seeded generators (generate.ts), apart from the generator itself: the CLI's
 * flag definitions and the sweep grid check them without loading the WASM module.
 */
export type GeneratorKind = 'gaussian' | 'teacher' | 'spectrum';

export const GENERATOR_KINDS: readonly GeneratorKind[] = ['gaussian', 'teacher', 'spectrum'];
