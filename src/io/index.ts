export { parseNpy, parseNpyHeader, encodeNpy, readNpyFile, MAX_HEADER_SIZE } from './npy.js';
export type { NpyHeader } from './npy.js';
export { writeFileAtomic, writeFilesAtomic } from './atomic.js';
export type { AtomicFile } from './atomic.js';
