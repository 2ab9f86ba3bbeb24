/**
 * Both WASM builds inlined into the bundle, so one .js file is the whole
 * library (offline, no server paths to configure). The threads build is used
 * only when the page is cross-origin isolated.
 */
import plain from '../../build/dspgd.wasm';
import shared from '../../build/dspgd-shared.wasm';
import { setWasmSource } from '../wasm/module.js';

setWasmSource(plain, { shared });
