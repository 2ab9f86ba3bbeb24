/** dspgd for browsers, self-contained: both WASM builds are inlined (dist/dspgd.browser.js). */
import './embedded.js';

export * from './api.js';
