/**
 * The WASM builds inlined into the bundle, so one .js file is the whole
 * library (offline, no server paths to configure). The threads builds are used
 * only when the page is cross-origin isolated; the fma builds (relaxed SIMD)
 * only for kernel 'fma' or 'auto'.
 */
import plain from '../../build/dspgd.wasm';
import shared from '../../build/dspgd-shared.wasm';
import fma from '../../build/dspgd-fma.wasm';
import fmaShared from '../../build/dspgd-fma-shared.wasm';
import { setWasmSource } from '../wasm/module.js';

setWasmSource(plain, { shared, fma, fmaShared });
