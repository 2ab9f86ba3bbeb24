/**
 * `dspgd merge D1 D2 … --out-dir OUT`: the output folders of sweep shards (or of any parts of
 * one grid) into one report, byte for byte that of one unsharded sweep (src/sweep/merge.ts).
 */
import { Command } from 'commander';

export interface MergeFlags { outDir?: string; allowMissing?: boolean; quiet?: boolean; grid?: string }

export function mergeCommand(): Command {
  return new Command('merge')
    .description('Merge the output folders of sweep shards into one sweep.json, sweep.csv and report, identical to one unsharded sweep of the same grid.')
    .argument('<dirs...>', 'output folders of `dspgd sweep --shard I/N` (or of a job array)')
    .option('--out-dir <dir>', 'where the merged sweep.json, sweep.csv, plots, index.html and journal.jsonl go')
    .option('--allow-missing', 'merge even when runs of the grid are in none of the folders (they are listed in sweep.json "missing")')
    .option('--grid <file>', "the sweep's experiment file: the merged sweep.json and report name its data paths, as an unsharded `dspgd sweep --grid FILE` does (its data files are read to check they hold the folders' bytes)")
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Checks that every folder is a sweep of the same grid with the same dspgd version, that no run is
in two folders, and that every run is in one (else exit 2 naming the missing runs). Data files
are named as the lowest part names them, or as --grid FILE does.

Examples:
  $ dspgd merge out/shard-0 out/shard-1 out/shard-2 out/shard-3 --out-dir results/
  $ dspgd merge out/shard-* --out-dir results/ --allow-missing
  $ dspgd merge out/shard-* --grid experiment.json --out-dir results/   # data paths as experiment.json gives them`)
    .action(async (dirs: string[], f: MergeFlags) => {
      const { runMergeCommand } = await import('./merge-run.js');
      await runMergeCommand(dirs, f);
    });
}
