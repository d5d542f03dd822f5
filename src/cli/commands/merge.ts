import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { mergeShards } from '../../report/mergeShards.js';
import { checkOutFile } from '../../report/outputPlace.js';
import { readResult } from '../../report/readResult.js';
import { writeResult } from '../../report/writeResult.js';
import { resultIssues } from '../../result/resultSchema.js';

interface MergeFlags {
  out: string;
}

const EXAMPLES = `
Examples:
  $ session-bench merge shards/*.json --out results/merged.json
  $ session-bench report results/merged.json

The files must be every shard of one run (written by run --shard i/N): the same run id
and plan hash, shards 1..N once each, user slices disjoint and complete. Otherwise
nothing is written and each problem is named (exit 2). Histograms are added and the
percentiles recomputed from the sum; counts and audit counts are summed; timelines are
merged second by second; faults come from the shard(s) that ran them.`;

export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge the shard results of one run (run --shard i/N) into one result, exactly')
    .argument('<files...>', 'shard result files')
    .requiredOption('--out <file>', 'where to write the merged result JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (files: string[], flags: MergeFlags) => {
      await checkOutFile(flags.out);
      const shards = [];
      for (const file of files) shards.push({ file, result: await readResult(file) });
      const merged = mergeShards(shards);
      const issues = resultIssues(merged);
      if (issues.length)
        throw new UsageError(`the merged result is not valid: ${issues.join('; ')}`);
      await writeResult(flags.out, merged, { replace: true });
      process.stderr.write(
        `merged ${files.length} shard(s) of run ${merged.runId} into ${flags.out}\n`,
      );
    });
}
