/**
 * The WASM builds loaded from beside the bundle (dspgd.wasm, dspgd-shared.wasm),
 * for pages that would rather cache them as separate files than inline them.
 */
import { setWasmSource } from '../wasm/module.js';
import { DspgdError } from '../errors.js';

const fetchBytes = (name: string) => async (): Promise<ArrayBuffer> => {
  const url = new URL(`./${name}`, import.meta.url);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DspgdError('E_IO', `could not load ${url.href}: ${String(e)}`, 'wasm', { cause: e });
  }
  if (!res.ok) throw new DspgdError('E_IO', `could not load ${url.href}: HTTP ${res.status}`, 'wasm');
  return res.arrayBuffer();
};

setWasmSource(fetchBytes('dspgd.wasm'), {
  shared: fetchBytes('dspgd-shared.wasm'), fma: fetchBytes('dspgd-fma.wasm'), fmaShared: fetchBytes('dspgd-fma-shared.wasm'),
});
