import os from 'node:os';
import { Option, type Command } from 'commander';
import type { Plan } from '../config/planSchema.js';
import {
  SHARD_FAULTS,
  parseShard,
  parseStartAt,
  planHash,
  sharedRunId,
  shardSlice,
  type ShardFaults,
  type ShardSetup,
} from '../config/shard.js';
import { redactPlanTargets } from '../config/targetUrl.js';
import { UsageError } from '../errors.js';

/** `run`'s flags for one shard of a run on many machines (merged by `session-bench merge`). */
export interface ShardFlags {
  workers?: string;
  shard?: string;
  shardFaults?: string;
  startAt?: string;
  runId?: string;
}

export const SHARD_HELP = `
Shards (one run on several machines, merged exactly by \`session-bench merge\`):
  --shard i/N drives users slice i of N (contiguous, disjoint) at 1/N of the rate; only
  shard 1 runs the scenario's faults unless --shard-faults all. Every shard must get the
  same scenario and flags (the plan hash is checked at merge) and one run id: give
  --run-id ID to all, or the same --start-at TIME, from which the id is derived
  (start second + plan hash, e.g. 20261202T100000-3fa2c1). --start-at holds each
  shard's load (servers started, users logged in) until that wall-clock time; variant
  k's load starts at TIME + k x (duration + 2 min).
  $ session-bench run --provider external --target redis=redis://127.0.0.1:6379 --backends redis \\
      --shard 1/3 --start-at 2026-12-02T10:00:00Z --out shards/      # the same on 3 machines, 2/3, 3/3
  $ session-bench run --backends redis --provider external --target redis=redis://127.0.0.1:6379 \\
      --shard 2/2 --run-id nightly-42 --out shards/
  $ session-bench merge shards/*.json --out results/merged.json`;

export const WORKERS_HELP = `
Workers (--workers N): N generator processes on this machine, one result: this process
drives users slice 1 of N and runs the faults, N-1 worker processes drive the other
slices (the split of --shard i/N) against the same app; their results are merged
exactly. auto: the cores left for the generator, cores - app instances - server nodes
(at least 1).`;

const MAX_WORKERS = 64;

/** --workers: a count 1..64, or auto (the cores the app and the servers leave). */
export function parseWorkers(
  text: string | undefined,
  plan: Plan,
  cores = os.availableParallelism(),
): number {
  if (text === undefined) return 1;
  if (text === 'auto') return Math.max(1, cores - plan.topology.appInstances - plan.topology.nodes);
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= MAX_WORKERS)) {
    throw new UsageError(`--workers ${JSON.stringify(text)}: expected 1..${MAX_WORKERS} or auto`);
  }
  if (count > plan.load.users) {
    throw new UsageError(`--workers ${text}: more workers than the ${plan.load.users} users`);
  }
  return count;
}

export function addShardOptions(command: Command): Command {
  return command
    .option('--workers <n|auto>', 'generator processes on this machine, one result (default 1)')
    .option('--shard <i/N>', 'drive shard i of N of the users and rate (see Shards below)')
    .addOption(
      new Option('--shard-faults <which>', "which shards run the scenario's faults").choices([
        ...SHARD_FAULTS,
      ]),
    )
    .option(
      '--start-at <time>',
      'ISO 8601 wall-clock time the load starts, e.g. 2026-12-02T10:00:00Z',
    )
    .option(
      '--run-id <id>',
      'the run id the shards of one run share (default: derived from --start-at)',
    );
}

/** The shard this process drives, or undefined without --shard; bad values are usage errors. */
export function shardSetup(
  flags: ShardFlags,
  plan: Plan,
  nowMs = Date.now(),
): ShardSetup | undefined {
  if (flags.shard !== undefined && flags.workers !== undefined && flags.workers !== '1') {
    throw new UsageError(
      '--workers and --shard do not go together: split a machine or a run, not both',
    );
  }
  if (flags.shard === undefined && flags.startAt === undefined) {
    const stray = (['shardFaults', 'runId'] as const).find((k) => flags[k] !== undefined);
    if (stray) {
      throw new UsageError(`--${stray === 'runId' ? 'run-id' : 'shard-faults'} needs --shard i/N`);
    }
    return undefined;
  }
  // --start-at alone: shard 1 of 1, a run that waits for its time (and merges alone).
  const { index, count } =
    flags.shard !== undefined ? parseShard(flags.shard) : { index: 1, count: 1 };
  if (count > plan.load.users) {
    throw new UsageError(
      `--shard ${flags.shard}: ${count} shards for ${plan.load.users} users leaves a shard without users`,
    );
  }
  const startAtMs = flags.startAt === undefined ? undefined : parseStartAt(flags.startAt, nowMs);
  // The hash of the plan as the result file stores it, so that merge can compare.
  const hash = planHash(redactPlanTargets(plan));
  const slice = shardSlice(plan.load.users, index, count);
  if (slice.to <= slice.from)
    throw new UsageError(`--shard ${flags.shard}: no users in this slice`);
  return {
    runId: sharedRunId(flags.runId, startAtMs, hash),
    planHash: hash,
    index,
    count,
    faults: (flags.shardFaults as ShardFaults | undefined) ?? 'first',
    ...(startAtMs !== undefined ? { startAtMs } : {}),
  };
}

/** One line under the plan saying how this process splits the load; empty when it does not. */
export function splitLine(plan: Plan, shard: ShardSetup | undefined, workers: number): string {
  if (workers > 1) {
    const first = shardSlice(plan.load.users, 1, workers);
    return `workers: ${workers} generator processes, one result (this one drives users ${first.from}..${first.to - 1} and the faults)\n`;
  }
  if (!shard) return '';
  const { from, to } = shardSlice(plan.load.users, shard.index, shard.count);
  const rate =
    plan.load.mode === 'fixed' ? `, ${+(plan.load.rateRps / shard.count).toFixed(2)} req/s` : '';
  const faults =
    shard.faults === 'all' || shard.index === 1
      ? 'runs the faults'
      : 'no faults (shard 1 runs them)';
  const start =
    shard.startAtMs === undefined ? '' : `; load at ${new Date(shard.startAtMs).toISOString()}`;
  return `shard ${shard.index}/${shard.count} of run ${shard.runId}: users ${from}..${to - 1}${rate}; ${faults}${start}\n`;
}
