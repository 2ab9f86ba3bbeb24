/** dspgd for browsers, with dspgd.wasm and dspgd-shared.wasm loaded from beside the bundle (dist/dspgd.browser-external.js). */
import './beside.js';

export * from './api.js';
