/**
 * A Node built-in module, for code that runs in Node and in a browser and
 * picks its path at run time (reading the WASM file, starting a worker
 * thread). Through `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno)
 * rather than `import('node:…')`, so a browser bundle holds no node: import
 * for a bundler to resolve or stub. A browser never calls it.
 */
export async function nodeBuiltin<T>(name: string): Promise<T> {
  const id = `node:${name}`;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(id);
  if (mod !== undefined) return mod as T;
  // Node before 20.16: a specifier no bundler follows.
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ id)) as T;
}
