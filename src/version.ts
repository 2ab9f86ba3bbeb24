/** Replaced at build time from package.json (scripts/build.mjs); the fallback is for tests run from source. */
declare const __DSPGD_VERSION__: string | undefined;
export const VERSION: string = typeof __DSPGD_VERSION__ === 'string' ? __DSPGD_VERSION__ : '0.0.0-dev';
