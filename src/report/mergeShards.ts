import { planHash } from '../config/shard.js';
import { UsageError } from '../errors.js';
import {
  addHistograms,
  decodeHistogram,
  encodeHistogram,
  newLatencyHistogram,
  summarize,
} from '../result/latencyHistogram.js';
import type {
  FaultResult,
  RunResult,
  ShardInfo,
  TimelinePoint,
  VariantResult,
} from '../result/result.js';

/**
 * `session-bench merge`: the shards of one run (`run --shard i/N`, `--workers N`) into
 * one result, exactly. Histograms are added and percentiles recomputed from the sum
 * (never averaged), request and audit counts summed, timelines merged by second,
 * faults taken from the shards that ran them. A set that is not one whole run is
 * refused with every problem named (a UsageError: exit 2). Pure: results in, result out.
 */

export interface ShardFile {
  /** Where the shard came from, for messages and `merged.shards[].file`. */
  file: string;
  result: RunResult;
}

type WithShard = ShardFile & { shard: ShardInfo };

/** Every reason the files are not the shards of one run, one line each; empty when they are. */
export function mergeProblems(files: ShardFile[]): string[] {
  if (files.length === 0) return ['no shard files given'];
  const problems: string[] = [];
  const shards: WithShard[] = [];
  for (const f of files) {
    if (f.result.shard) shards.push({ ...f, shard: f.result.shard });
    else problems.push(`${f.file}: not a shard result (no shard field: run it with --shard i/N)`);
  }
  const first = shards[0];
  if (!first) return problems;
  for (const s of shards) {
    if (planHash(s.result.scenario) !== s.shard.planHash) {
      problems.push(`${s.file}: its plan does not hash to its planHash (the file was edited?)`);
    }
  }
  for (const s of shards.slice(1)) problems.push(...mismatches(first, s));
  if (problems.length) return problems;
  return [...problems, ...sliceProblems(shards), ...variantProblems(shards)];
}

function mismatches(first: WithShard, other: WithShard): string[] {
  const found: string[] = [];
  const differs = (what: string, a: unknown, b: unknown) => {
    if (a !== b)
      found.push(`${other.file}: ${what} ${String(b)}, but ${first.file} has ${String(a)}`);
  };
  differs('run id', first.shard.runId, other.shard.runId);
  differs('plan hash', first.shard.planHash, other.shard.planHash);
  differs('shard count', first.shard.count, other.shard.count);
  return found;
}

/** Shards 1..N each exactly once, their user slices disjoint and covering 0..users-1. */
function sliceProblems(shards: WithShard[]): string[] {
  const problems: string[] = [];
  const count = shards[0]!.shard.count;
  const users = shards[0]!.result.scenario.load.users;
  for (let index = 1; index <= count; index++) {
    const holders = shards.filter((s) => s.shard.index === index);
    if (holders.length === 0) problems.push(`shard ${index}/${count} is missing`);
    if (holders.length > 1) {
      problems.push(`shard ${index}/${count} is doubled: ${holders.map((h) => h.file).join(', ')}`);
    }
  }
  const sorted = [...shards].sort((a, b) => a.shard.users.from - b.shard.users.from);
  let covered = 0;
  let previous: WithShard | undefined;
  for (const s of sorted) {
    const { from, to } = s.shard.users;
    if (from > covered)
      problems.push(`users ${covered}..${from - 1} are in no shard (missing slice)`);
    if (from < covered && previous) {
      problems.push(
        `${s.file}: users ${from}..${to - 1} overlap ${previous.file}'s ${previous.shard.users.from}..${previous.shard.users.to - 1}`,
      );
    }
    covered = Math.max(covered, to);
    previous = s;
  }
  if (covered < users)
    problems.push(`users ${covered}..${users - 1} are in no shard (missing slice)`);
  return problems;
}

/** Every shard ran the same variants, in the same order. */
function variantProblems(shards: WithShard[]): string[] {
  const names = (s: WithShard) => s.result.results.map((r) => r.variant).join(',');
  const first = shards[0]!;
  return shards
    .filter((s) => names(s) !== names(first))
    .map(
      (s) => `${s.file}: variants ${names(s) || '(none)'}, but ${first.file} has ${names(first)}`,
    );
}

/** The merged result, or a UsageError naming every problem of the set. */
export function mergeShards(files: ShardFile[]): RunResult {
  const problems = mergeProblems(files);
  if (problems.length) {
    throw new UsageError(`these files are not the shards of one run:\n  ${problems.join('\n  ')}`);
  }
  const shards = (files as WithShard[])
    .map((f) => ({ ...f, shard: f.result.shard! }))
    .sort((a, b) => a.shard.index - b.shard.index);
  const first = shards[0]!.result;
  const faultsFrom = shards.filter((s) => s.shard.ranFaults).map((s) => s.shard.index);
  // A shard's thresholds judged its own slice, not the run: they are dropped.
  const base: RunResult = { ...first };
  delete base.shard;
  delete base.thresholds;
  return {
    ...base,
    runId: shards[0]!.shard.runId,
    startedAt: earliest(shards.map((s) => s.result.startedAt)),
    finishedAt: latest(shards.map((s) => s.result.finishedAt)),
    status: worstRunStatus(shards.map((s) => s.result.status)),
    results: first.results.map((_, v) =>
      mergeVariantResults(
        shards.map((s) => ({
          index: s.shard.index,
          ranFaults: s.shard.ranFaults,
          variant: s.result.results[v]!,
        })),
      ),
    ),
    merged: {
      planHash: shards[0]!.shard.planHash,
      shards: shards.map((s) => ({ index: s.shard.index, runId: s.result.runId, file: s.file })),
      faultsFrom,
    },
  };
}

const earliest = (times: string[]) => times.reduce((a, b) => (b < a ? b : a));
const latest = (times: string[]) => times.reduce((a, b) => (b > a ? b : a));

function worstRunStatus(statuses: RunResult['status'][]): RunResult['status'] {
  if (statuses.includes('partial')) return 'partial';
  return statuses.includes('aborted') ? 'aborted' : 'completed';
}

const VARIANT_STATUS_ORDER: VariantResult['status'][] = [
  'failed',
  'aborted',
  'skipped',
  'completed',
];

/** One shard's (or worker's) result for one variant. */
export interface ShardVariant {
  index: number;
  /** Names its events, exits and log lines (`shard2/app0`); none: they stay as they are. */
  name?: string;
  ranFaults: boolean;
  variant: VariantResult;
}

/** Sums every numeric field of the objects (request counts, audit counts: known or newer fields). */
function sumCounts<T extends object>(parts: T[]): T {
  const sum: Record<string, number> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (typeof value === 'number') sum[key] = (sum[key] ?? 0) + value;
    }
  }
  return sum as T;
}

function mergedHistogram(parts: (string | undefined)[]) {
  return addHistograms(parts.map((p) => (p ? decodeHistogram(p) : newLatencyHistogram())));
}

const named = (p: ShardVariant, target: string) => (p.name ? `${p.name}/${target}` : target);

/** One variant's results from every shard (or worker) of a run into one, exactly. */
export function mergeVariantResults(parts: ShardVariant[]): VariantResult {
  const variants = parts.map((p) => p.variant);
  const first = variants[0]!;
  const status = VARIANT_STATUS_ORDER.find((s) => variants.some((v) => v.status === s))!;
  const reasons = parts
    .filter((p) => p.variant.reason)
    .map((p) => `${p.name ?? 'runner'}: ${p.variant.reason}`);
  const histogram = mergedHistogram(variants.map((v) => v.latencyHistogram));
  const anyRan = variants.some((v) => v.latencyHistogram !== undefined);
  const merged: VariantResult = {
    ...first,
    status,
    requests: sumCounts(variants.map((v) => v.requests)),
    // Each shard's rate over its own load phase; the phases run at the same time.
    throughputRps: Math.round(variants.reduce((a, v) => a + v.throughputRps, 0) * 10) / 10,
    latencyUs: summarize(histogram, Math.max(...variants.map((v) => v.latencyUs.max))),
    users: sumCounts(variants.map((v) => v.users)),
    audit: sumCounts(variants.map((v) => v.audit)),
    faults: mergeFaults(parts),
    timeline: mergeTimelines(variants.map((v) => v.timeline)),
    events: parts
      .flatMap((p) => p.variant.events.map((e) => ({ ...e, target: named(p, e.target) })))
      .sort((a, b) => a.tMs - b.tMs),
    phasesMs: {
      start: Math.max(...variants.map((v) => v.phasesMs.start)),
      warmUp: Math.max(...variants.map((v) => v.phasesMs.warmUp)),
      load: Math.max(...variants.map((v) => v.phasesMs.load)),
      sweep: Math.max(...variants.map((v) => v.phasesMs.sweep)),
    },
  };
  if (anyRan) merged.latencyHistogram = encodeHistogram(histogram);
  else delete merged.latencyHistogram;
  if (reasons.length) merged.reason = reasons.join('; ');
  else delete merged.reason;
  mergeFlags(merged, parts);
  return merged;
}

/** Stalls, unplanned exits and log tails of any shard, named by shard. */
function mergeFlags(merged: VariantResult, parts: ShardVariant[]): void {
  const stalls = parts.flatMap((p) => (p.variant.stalled ? [p.variant.stalled] : []));
  if (stalls.length) merged.stalled = stalls.reduce((a, b) => (b.atMs < a.atMs ? b : a));
  else delete merged.stalled;
  // The worst generator: any one behind its schedule makes the merged rate late.
  const lags = parts.flatMap((p) => (p.variant.generator ? [p.variant.generator] : []));
  if (lags.length === parts.length && lags.length) {
    merged.generator = {
      lagP99Us: Math.max(...lags.map((g) => g.lagP99Us)),
      lagMaxUs: Math.max(...lags.map((g) => g.lagMaxUs)),
      stalledMs: Math.max(...lags.map((g) => g.stalledMs)),
      behind: lags.some((g) => g.behind),
    };
  } else delete merged.generator;
  const exits = parts.flatMap((p) =>
    (p.variant.unexpectedExits ?? []).map((e) => ({ ...e, target: named(p, e.target) })),
  );
  if (exits.length) merged.unexpectedExits = exits;
  else delete merged.unexpectedExits;
  const tails = parts.flatMap((p) =>
    (p.variant.logTail ?? []).map((l) => (p.name ? `${p.name}: ${l}` : l)),
  );
  if (tails.length) merged.logTail = tails;
  else delete merged.logTail;
  const starts = parts.flatMap((p) => (p.variant.loadStartedAt ? [p.variant.loadStartedAt] : []));
  if (starts.length) merged.loadStartedAt = earliest(starts);
}

/**
 * Faults as the shards that ran them recorded them. With one such shard (the
 * default) they are its own; with several (--shard-faults all) fault i of each is
 * joined: counts summed, the longest downtime and recovery kept.
 */
function mergeFaults(parts: ShardVariant[]): FaultResult[] {
  const ran = parts.filter((p) => p.ranFaults).map((p) => p.variant.faults);
  const [first, ...others] = ran;
  if (!first) return [];
  return first.map((fault, i) => {
    const same = [fault, ...others.map((f) => f[i]).filter((f): f is FaultResult => !!f)];
    if (same.length === 1) return fault;
    const recovery = same.map((f) => f.recoveryMs);
    return {
      ...fault,
      targets: [...new Set(same.flatMap((f) => f.targets))],
      unavailableMs: Math.max(...same.map((f) => f.unavailableMs)),
      recoveryMs: recovery.includes(null) ? null : Math.max(...(recovery as number[])),
      errorsDuringFault: same.reduce((a, f) => a + f.errorsDuringFault, 0),
      loggedOutUsers: same.reduce((a, f) => a + f.loggedOutUsers, 0),
      lostUpdates: same.reduce((a, f) => a + f.lostUpdates, 0),
      ...(fault.answers
        ? { answers: sumCounts(same.map((f) => f.answers ?? {})) as typeof fault.answers }
        : {}),
    };
  });
}

/**
 * Second by second: answers, errors and login walls summed, logged-out users summed
 * (each shard counts its own, disjoint users), p99 from the seconds' histograms added
 * (HDR precision, 3 significant digits: a single run's second is an exact percentile).
 * A second some shard has no histogram for keeps the highest shard's p99 (an upper bound).
 */
function mergeTimelines(timelines: TimelinePoint[][]): TimelinePoint[] {
  const seconds = new Map<number, TimelinePoint[]>();
  for (const point of timelines.flat()) {
    const list = seconds.get(point.tMs) ?? [];
    list.push(point);
    seconds.set(point.tMs, list);
  }
  return [...seconds.entries()]
    .sort(([a], [b]) => a - b)
    .map(([tMs, points]) => {
      const merged: TimelinePoint = {
        tMs,
        rps: points.reduce((a, p) => a + p.rps, 0),
        p99Us: Math.max(...points.map((p) => p.p99Us)),
        errors: points.reduce((a, p) => a + p.errors, 0),
        loginWallHits: points.reduce((a, p) => a + p.loginWallHits, 0),
      };
      if (points.every((p) => p.loggedOut !== undefined)) {
        merged.loggedOut = points.reduce((a, p) => a + p.loggedOut!, 0);
      }
      const every = points.length === timelines.length && points.every((p) => p.latencyHistogram);
      if (every)
        merged.p99Us = summarize(mergedHistogram(points.map((p) => p.latencyHistogram))).p99;
      return merged;
    });
}
