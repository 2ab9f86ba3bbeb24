/**
 * `dspgd bench`: the benchmark suite (bench/), the same code as `npm run bench`.
 * The suite is its own bundle (dist/bench.js, with the peers' packages external),
 * loaded only when asked for; the peers load their packages when the suite asks whether
 * they are available, so an installed package without ml-matrix or tfjs runs the
 * suite with the peers it has.
 * Flags are the suite's own (parsed there), so commander passes them through.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { DspgdError } from '../errors.js';
import { EXIT_USAGE } from './errors.js';

interface BenchModule { benchMain(argv: readonly string[]): Promise<number> }

async function loadBench(): Promise<BenchModule> {
  try {
    return (await import(new URL('./bench.js', import.meta.url).href)) as BenchModule;
  } catch (e) {
    // Peers whose packages are missing (ml-matrix, tfjs are devDependencies) are reported by the
    // suite as not available; only a missing dist/bench.js itself means "not built".
    if (!existsSync(new URL('./bench.js', import.meta.url))) {
      throw new DspgdError('E_IO', `dist/bench.js is missing: run npm run build in a checkout (${(e as Error).message})`);
    }
    throw e;
  }
}

export function benchCommand(): Command {
  const cmd = new Command('bench')
    .description('Run the benchmark suite: dspgd next to plain JS, ml-matrix, tfjs-wasm, NumPy and the memory-bandwidth limit (dspgd bench --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]', 'the suite\'s flags (see dspgd bench --help)')
    .action(async () => {
      const bench = await loadBench();
      const code = await bench.benchMain(cmd.args);
      // benchMain has already printed its one-line error for bad usage.
      process.exit(code === 2 ? EXIT_USAGE : code);
    });
  return cmd;
}
