import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { LoadPlan, Plan } from './planSchema.js';

/*
 * One run split across generators (`run --shard i/N`, `--workers N`): which users and
 * what share of the rate each drives, the hash that tells two plans apart, and the
 * run id the shards share. Pure: the runner applies it, `merge` checks it.
 */

/** Which faults a shard runs: `first` (only shard 1, the default) or `all` (every shard). */
export const SHARD_FAULTS = ['first', 'all'] as const;
export type ShardFaults = (typeof SHARD_FAULTS)[number];

/** How far in the past --start-at may lie (clocks of machines disagree a little). */
export const START_AT_PAST_TOLERANCE_MS = 5_000;
export const START_AT_MAX_AHEAD_MS = 24 * 3600_000;
/**
 * With several variants, variant k's load is meant to begin at --start-at + k x
 * (load duration + this), so every shard's k-th load runs at the same time.
 */
export const VARIANT_SLOT_GAP_MS = 120_000;

export interface ShardSetup {
  /** The id the shards of one run share. */
  runId: string;
  planHash: string;
  index: number;
  count: number;
  faults: ShardFaults;
  /** Epoch ms the first variant's load begins at (--start-at), if given. */
  startAtMs?: number;
}

/** `2/3` → { index: 2, count: 3 }; anything else names the value in a usage error. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count || count > 10_000) {
    throw new UsageError(
      `--shard ${JSON.stringify(text)}: expected i/N with 1 <= i <= N, e.g. --shard 1/3`,
    );
  }
  return { index, count };
}

/** Shard `index` of `count`'s users: ids from..to-1, contiguous, the remainder to the first shards. */
export function shardSlice(
  users: number,
  index: number,
  count: number,
): { from: number; to: number } {
  const base = Math.floor(users / count);
  const extra = users % count;
  const from = (index - 1) * base + Math.min(index - 1, extra);
  return { from, to: from + base + (index <= extra ? 1 : 0) };
}

/** The load one shard drives: its users, 1/count of the rate, its share of the connections. */
export function shardLoad(load: LoadPlan, index: number, count: number): LoadPlan {
  const { from, to } = shardSlice(load.users, index, count);
  const connections = shardSlice(load.connections, index, count);
  return {
    ...load,
    users: to - from,
    rateRps: load.rateRps / count,
    connections: Math.max(1, connections.to - connections.from),
    // Another random stream per shard: the shards do not act in lock step.
    seed: load.seed + index - 1,
  };
}

/** The plan one shard runs: its load, and the faults only if it runs them. */
export function shardPlan(plan: Plan, shard: ShardSetup): Plan {
  return {
    ...plan,
    load: shardLoad(plan.load, shard.index, shard.count),
    faults: runsFaults(shard) ? plan.faults : [],
  };
}

export function runsFaults(shard: Pick<ShardSetup, 'index' | 'faults'>): boolean {
  return shard.faults === 'all' || shard.index === 1;
}

/** JSON with sorted keys: the same plan hashes the same whatever order it was built in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of the plan as a result file stores it, minus what does not change the
 * load: its warnings (prose) and the scenario file's path (another machine, another
 * folder). Shard fields are not part of the plan, so every shard of a run hashes alike.
 */
export function planHash(plan: Plan): string {
  const rest: Partial<Plan> = { ...plan, warnings: undefined };
  const scenario = { ...plan.scenario, source: undefined };
  return createHash('sha256')
    .update(canonical({ ...rest, scenario }))
    .digest('hex');
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The run id the shards share: --run-id as given, else derived from --start-at and the
 * plan hash (`YYYYMMDDTHHMMSS-<hash6>`), so shards started with the same scenario,
 * flags and --start-at agree without talking. Neither given: a usage error.
 */
export function sharedRunId(
  given: string | undefined,
  startAtMs: number | undefined,
  hash: string,
): string {
  if (given !== undefined) {
    if (!RUN_ID.test(given)) {
      throw new UsageError(
        `--run-id ${JSON.stringify(given)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    }
    return given;
  }
  if (startAtMs === undefined) {
    throw new UsageError(
      '--shard needs --run-id ID or --start-at TIME, so that the shards of one run share a run id',
    );
  }
  const second = new Date(startAtMs).toISOString().replace(/[-:]/g, '').replace(/\..+/, '');
  return `${second}-${hash.slice(0, 6)}`;
}

/** --start-at: an ISO 8601 time with a zone, not in the past (beyond a few seconds) nor over 24 h ahead. */
export function parseStartAt(text: string, nowMs: number): number {
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
  const atMs = zoned.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(atMs)) {
    throw new UsageError(
      `--start-at ${JSON.stringify(text)}: expected an ISO 8601 time with its zone, e.g. 2026-12-02T10:00:00Z`,
    );
  }
  if (atMs < nowMs - START_AT_PAST_TOLERANCE_MS) {
    throw new UsageError(
      `--start-at ${text} is ${Math.round((nowMs - atMs) / 1000)} s in the past (now ${new Date(nowMs).toISOString()})`,
    );
  }
  if (atMs > nowMs + START_AT_MAX_AHEAD_MS) {
    throw new UsageError(
      `--start-at ${text} is more than 24 h ahead (now ${new Date(nowMs).toISOString()})`,
    );
  }
  return atMs;
}

/** When variant `k` (0-based) of a --start-at run is meant to begin its load, epoch ms. */
export function variantStartMs(startAtMs: number, k: number, durationMs: number): number {
  return startAtMs + k * (durationMs + VARIANT_SLOT_GAP_MS);
}
