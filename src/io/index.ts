// The I/O of the Node entry: the codecs (bytes in, arrays out; usable in any runtime) and the Node file layer.
export { parseNpy, parseNpyHeader, readNpyHeader, decodeNpyFrom, encodeNpy, NpyDecoder, MAX_HEADER_SIZE, MAX_ARRAY_BYTES } from './npy.js';
export type { NpyHeader } from './npy.js';
export { parseNpz, listNpz, encodeNpz, NpzArchive, MAX_NPZ_BYTES, MAX_NPZ_MEMBER_BYTES } from './npz.js';
export type { ParseNpzOptions, EncodeNpzOptions, NpzEntry } from './npz.js';
export { parseCsv, parseCsvTable, encodeCsv } from './csv.js';
export type { CsvDelimiter, CsvTable, ParseCsvOptions, EncodeCsvOptions } from './csv.js';
export { parseJsonMatrix, encodeJsonMatrix } from './json.js';
export type { ParseJsonOptions, EncodeJsonOptions } from './json.js';
export { bytesSource, type ByteSource } from './source.js';
export { encodeMatrixFile, checkWritableExtension, splitNpzMember, MATRIX_READ_EXTENSIONS, MATRIX_WRITE_EXTENSIONS } from './matrix-format.js';
export type { EncodeMatrixOptions } from './matrix-format.js';

export { writeFileAtomic, writeFilesAtomic } from './node/atomic.js';
export type { AtomicFile } from './node/atomic.js';
export { readMatrixFile, readNpyFile, readNpzFile, writeMatrixFile } from './node/matrix-file.js';
export type { ReadMatrixOptions } from './node/matrix-file.js';
export { readBytes, openFile, MAX_TEXT_BYTES } from './node/read.js';
export { loadProblem } from './node/problem-files.js';
export type { ProblemFiles, LoadProblemOptions } from './node/problem-files.js';
