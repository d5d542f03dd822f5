import { describe, expect, it } from 'vitest';
import { planHash, shardLoad, shardSlice } from '../../src/config/shard.js';
import { mergeProblems, mergeShards, type ShardFile } from '../../src/report/mergeShards.js';
import { reporterNamed, REPORTER_NAMES } from '../../src/report/reporters/index.js';
import {
  decodeHistogram,
  encodeHistogram,
  newLatencyHistogram,
  summarize,
} from '../../src/result/latencyHistogram.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { resultIssues } from '../../src/result/resultSchema.js';
import { seededRandom } from '../../src/random.js';
import { fixture, validateAgainstJsonSchema } from '../helpers/reportFixture.js';

/** One recorded request: who sent it, when it was intended, how long it took. */
interface Recorded {
  user: number;
  second: number;
  latencyUs: number;
}

const USERS = 90;
const SECONDS = 6;

/** Latencies with a long tail, so the upper percentiles differ between shards. */
function recordings(): Recorded[] {
  const random = seededRandom(17);
  return Array.from({ length: 20_000 }, () => {
    const tail = random() < 0.02 ? 200_000 * random() : 0;
    return {
      user: Math.floor(random() * USERS),
      second: Math.floor(random() * SECONDS),
      latencyUs: Math.max(1, Math.round(300 + 5_000 * random() ** 3 + tail)),
    };
  });
}

function histogramOf(values: number[]) {
  const histogram = newLatencyHistogram();
  for (const v of values) histogram.recordValue(v);
  return histogram;
}

/** The variant a shard would write for its own requests (counts derived from them). */
function shardVariant(
  base: VariantResult,
  mine: Recorded[],
  users: number,
  k: number,
): VariantResult {
  const histogram = histogramOf(mine.map((r) => r.latencyUs));
  return {
    ...base,
    requests: { total: mine.length, ok: mine.length - k, errors: k, timeouts: 0, late: 2 * k },
    throughputRps: mine.length / SECONDS,
    latencyUs: summarize(histogram),
    latencyHistogram: encodeHistogram(histogram),
    users: { total: users, loggedInAtEnd: users - k },
    audit: {
      loggedOutUsers: k,
      loginWallHits: 3 * k,
      lostUpdates: k + 1,
      resurrectedSessions: 0,
      wrongUserSessions: 0,
      unverifiedUsers: 1,
    },
    faults: k === 0 ? base.faults : [],
    timeline: Array.from({ length: SECONDS }, (_, s) => {
      const inSecond = mine.filter((r) => r.second === s).map((r) => r.latencyUs);
      const h = histogramOf(inSecond);
      return {
        tMs: s * 1000,
        rps: inSecond.length,
        p99Us: summarize(h).p99,
        errors: k,
        loginWallHits: 0,
        loggedOut: k,
        latencyHistogram: encodeHistogram(h),
      };
    }),
  };
}

/** The same recorded requests, split into `count` shards by user slice, as result files. */
function shardsOf(all: Recorded[], count: number, runId = 'nightly-1'): ShardFile[] {
  const base = fixture();
  base.scenario.load.users = USERS;
  base.results = base.results.slice(0, 1);
  const hash = planHash(base.scenario);
  return Array.from({ length: count }, (_, i) => {
    const slice = shardSlice(USERS, i + 1, count);
    const mine = all.filter((r) => r.user >= slice.from && r.user < slice.to);
    const result: RunResult = {
      ...structuredClone(base),
      runId: `20261201T10000${i}-abcde${i}`,
      shard: { runId, planHash: hash, index: i + 1, count, users: slice, ranFaults: i === 0 },
      results: [shardVariant(base.results[0]!, mine, slice.to - slice.from, i)],
    };
    return { file: `shard${i + 1}.json`, result };
  });
}

describe('merge of shards', () => {
  const all = recordings();

  it('gives the totals, audit counts and bit-identical percentiles of one histogram of every value', () => {
    const merged = mergeShards(shardsOf(all, 3));
    const variant = merged.results[0]!;
    const whole = histogramOf(all.map((r) => r.latencyUs));
    expect(variant.latencyUs).toEqual(summarize(whole));
    expect(variant.latencyHistogram).toBe(encodeHistogram(whole));
    expect(variant.requests).toEqual({
      total: all.length,
      ok: all.length - 3,
      errors: 3,
      timeouts: 0,
      late: 6,
    });
    expect(variant.audit).toEqual({
      loggedOutUsers: 3,
      loginWallHits: 9,
      lostUpdates: 6,
      resurrectedSessions: 0,
      wrongUserSessions: 0,
      unverifiedUsers: 3,
    });
    expect(variant.users.total).toBe(USERS);
    for (const point of variant.timeline) {
      const second = all.filter((r) => r.second * 1000 === point.tMs).map((r) => r.latencyUs);
      expect(point.rps).toBe(second.length);
      // The second's histogram as the shards wrote it (HDR buckets), once for all values.
      const written = decodeHistogram(encodeHistogram(histogramOf(second)));
      expect(point.p99Us).toBe(summarize(written).p99);
      expect(point.loggedOut).toBe(3);
    }
    // Faults are shard 1's, the only one that ran them.
    expect(variant.faults).toEqual(fixture().results[0]!.faults);
    expect(merged.merged?.faultsFrom).toEqual([1]);
    expect(merged.runId).toBe('nightly-1');
  });

  it('differs from averaging the shards percentiles (the test can fail)', () => {
    const shards = shardsOf(all, 3);
    const averaged =
      shards.reduce((a, s) => a + s.result.results[0]!.latencyUs.p999, 0) / shards.length;
    expect(mergeShards(shards).results[0]!.latencyUs.p999).not.toBe(averaged);
  });

  it('writes a result the schema accepts and every reporter renders', () => {
    const merged = mergeShards(shardsOf(all, 3));
    expect(resultIssues(merged)).toEqual([]);
    expect(validateAgainstJsonSchema(merged)).toEqual([]);
    for (const name of REPORTER_NAMES)
      expect(reporterNamed(name)(merged).length).toBeGreaterThan(0);
  });

  it('the encoded histogram is the standard V2 compressed form', () => {
    const encoded = mergeShards(shardsOf(all, 3)).results[0]!.latencyHistogram!;
    const bytes = Buffer.from(encoded, 'base64');
    // V2 compressed cookie (0x1c849304 | word size 0x10), then the deflated V2 payload.
    expect(bytes.readUInt32BE(0)).toBe(0x1c849314);
    expect(bytes.readUInt32BE(4)).toBe(bytes.length - 8);
    expect(decodeHistogram(encoded).totalCount).toBe(all.length);
  });
});

describe('merge refuses a set that is not one run', () => {
  const all = recordings().slice(0, 2_000);
  const refused = (files: ShardFile[]) => expect(() => mergeShards(files)).toThrow();

  it('a shard of another plan, naming it', () => {
    const shards = shardsOf(all, 3);
    const other = shards[2]!.result;
    other.scenario.load.rateRps += 1;
    other.shard!.planHash = planHash(other.scenario);
    refused(shards);
    expect(mergeProblems(shards)).toEqual([
      `shard3.json: plan hash ${other.shard!.planHash}, but shard1.json has ${shards[0]!.result.shard!.planHash}`,
    ]);
  });

  it('a shard of another run, naming it', () => {
    const shards = shardsOf(all, 3);
    shards[1] = shardsOf(all, 3, 'nightly-2')[1]!;
    expect(mergeProblems(shards)).toEqual([
      expect.stringMatching(/^shard2\.json: run id nightly-2/),
    ]);
  });

  it('a missing slice', () => {
    const shards = shardsOf(all, 3);
    expect(mergeProblems([shards[0]!, shards[2]!])).toEqual([
      'shard 2/3 is missing',
      'users 30..59 are in no shard (missing slice)',
    ]);
  });

  it('overlapping slices and a doubled shard', () => {
    const shards = shardsOf(all, 3);
    const copy = { file: 'copy.json', result: structuredClone(shards[1]!.result) };
    expect(mergeProblems([...shards, copy])).toEqual([
      'shard 2/3 is doubled: shard2.json, copy.json',
      "copy.json: users 30..59 overlap shard2.json's 30..59",
    ]);
    shards[1]!.result.shard!.users = { from: 20, to: 60 };
    expect(mergeProblems(shards)).toEqual([
      "shard2.json: users 20..59 overlap shard1.json's 0..29",
    ]);
  });

  it('a shard whose plan was changed after the run', () => {
    const shards = shardsOf(all, 3);
    shards[1]!.result.scenario.load.rateRps += 1;
    expect(mergeProblems(shards)).toEqual([
      'shard2.json: its plan does not hash to its planHash (the file was edited?)',
    ]);
  });

  it('a result that is no shard', () => {
    const plain = fixture();
    expect(mergeProblems([{ file: 'plain.json', result: plain }])).toEqual([
      'plain.json: not a shard result (no shard field: run it with --shard i/N)',
    ]);
  });
});

describe('the split', () => {
  it('covers every user once and the whole rate', () => {
    for (const count of [1, 2, 3, 7]) {
      const slices = Array.from({ length: count }, (_, i) => shardSlice(100, i + 1, count));
      expect(slices[0]!.from).toBe(0);
      for (let i = 1; i < count; i++) expect(slices[i]!.from).toBe(slices[i - 1]!.to);
      expect(slices.at(-1)!.to).toBe(100);
      const load = fixture().scenario.load;
      const rates = slices.map((_, i) => shardLoad(load, i + 1, count).rateRps);
      expect(rates.reduce((a, b) => a + b, 0)).toBeCloseTo(load.rateRps, 9);
    }
  });

  it('hashes the plan without its warnings and its file path', () => {
    const plan = fixture().scenario;
    const moved = {
      ...plan,
      scenario: { ...plan.scenario, source: '/elsewhere/x.yaml' },
      warnings: ['x'],
    };
    expect(planHash(moved)).toBe(planHash(plan));
    expect(planHash({ ...plan, load: { ...plan.load, rateRps: plan.load.rateRps + 1 } })).not.toBe(
      planHash(plan),
    );
  });
});
