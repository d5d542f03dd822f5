import { z } from 'zod';
import { faultPlanSchema, planSchema } from '../config/planSchema.js';
import { CLAIM_IDS, FAULT_ACTIONS, MODES } from '../config/schema.js';

/**
 * The result file's shape, written once, as a zod schema: the types in result.ts
 * are inferred from it, `report` and `compare` validate what they read with it, and
 * `schema/result.schema.json` (the JSON Schema committed for other tools) is
 * generated from it: after a change, `UPDATE_SCHEMA=1 npx vitest run
 * test/unit/resultSchema.test.ts` rewrites the JSON file (the test fails until then).
 * Objects accept unknown fields: a newer writer of the same schemaVersion may add some.
 */

/**
 * Bumped whenever a field changes meaning or disappears; readers refuse other versions.
 * 2: per-fault loggedOutUsers counts one population (loggedOutOutsidePopulation and
 * ambiguous* beside it), throughputRps divides by the whole load phase in both modes,
 * and a run's status may be partial.
 */
export const SCHEMA_VERSION = 2;

const count = z.number().int().nonnegative();
const ms = z.number();
const us = z.number().nonnegative();

const faultAction = z.enum(FAULT_ACTIONS);
const mode = z.enum(MODES);

export { faultPlanSchema, planSchema };

export const phaseSummarySchema = z.object({
  /** ms after the load started; requests intended in [fromMs, toMs). */
  fromMs: ms,
  toMs: ms,
  requests: count,
  /** Failed by the app or its store (errors and timeouts); requests never sent are notSent. */
  errors: count,
  /** Never sent (no free connection within the timeout); absent in results before it was counted. */
  notSent: count.optional(),
  /** null when the phase has no length (recovered at once): no rate to state. */
  throughputRps: z.number().nullable(),
  /** null when no request was sent in the phase: not measured, not 0. */
  p50Us: us.nullable(),
  p99Us: us.nullable(),
});

/** Before: the 10 s before a fault. During: the fault to its recovery. After: recovery to the next fault or the end. */
export const faultPhasesSchema = z.object({
  before: phaseSummarySchema,
  during: phaseSummarySchema,
  after: phaseSummarySchema,
});

/** What a variant's documentation says a whole-store restart or kill loses. */
export const expectationSchema = z.object({
  loss: z.enum(['none', 'all', 'recent']),
  claim: z.string(),
  source: z.string(),
});

export const faultResultSchema = z.object({
  atMs: ms.describe('when the plan asked for the fault, ms after the load started'),
  startedMs: ms.nullable().describe('when it really began; null if it never did'),
  endedMs: ms.nullable().describe('when the target served again'),
  action: faultAction,
  target: z.string(),
  targets: z.array(z.string()),
  durationMs: ms.optional(),
  status: z.enum(['done', 'skipped', 'failed']),
  reason: z.string().optional(),
  /**
   * From the first failed request after the fault to the first good answer after it.
   * Order kept whenever both are measured: unavailableMs <= recoveryMs (recovery is
   * looked for only once the target serves again; src/faults/faultImpact.ts).
   */
  unavailableMs: ms.describe(
    'first failed request after the fault to the first good answer; never above recoveryMs',
  ),
  /** From the fault to latency back to normal; >= unavailableMs whenever it is not null. */
  recoveryMs: ms
    .nullable()
    .describe('null: latency did not recover within the run; else >= unavailableMs'),
  errorsDuringFault: count,
  /** Users in loggedInUsersAtFault whose session was lost at this fault (only this fault could have). */
  loggedOutUsers: count.describe(
    'users of loggedInUsersAtFault whose session was lost at this fault',
  ),
  lostUpdates: count.describe('acknowledged writes lost at this fault'),
  /** Reads of the load older than an update acknowledged to that user, that only this fault could have caused. */
  staleReads: count
    .optional()
    .describe('reads older than an acknowledged update, caused by this fault alone'),
  /** Users the ledger was sure were logged in once the target was down: the population of loggedOutUsers. */
  loggedInUsersAtFault: count.optional(),
  /** Users lost at this fault who were not in loggedInUsersAtFault (they logged in after it was counted). */
  loggedOutOutsidePopulation: count.optional(),
  /** Losses this fault or another one overlapping it could have caused: blamed on neither. */
  ambiguousLoggedOutUsers: count.optional(),
  ambiguousLostUpdates: count.optional(),
  unsettledAtFault: count.optional(),
  /**
   * How the app answered the requests intended while the fault was in force
   * (startedMs to endedMs): whether the store's client turned the fault into errors
   * (503: store timed out or failed; users stay logged in) or into "no such session"
   * (401 login wall: users logged out though nothing may be lost). `errors`: any other
   * failure (connection error, unexpected answer); `timeouts`: sent, no answer in time;
   * `notSent`: never sent, no connection free within the timeout (absent before counted).
   */
  answers: z
    .object({
      ok: count,
      unavailable503: count,
      loginWall401: count,
      errors: count,
      timeouts: count,
      notSent: count.optional(),
    })
    .optional()
    .describe('answers to the requests intended during the fault, by kind'),
  phases: faultPhasesSchema.optional(),
  /**
   * A fault on a replicated store: which node was primary when it fired and which one
   * acknowledged the first write after it (a probe of session-bench's own writing to
   * the data the former primary held every 50 ms, from the moment the target was down).
   * failoverMs: fault start to that acknowledgement; null: no write was acknowledged
   * before the load ended. promoted: the primary changed.
   */
  failover: z
    .object({
      primaryBefore: z.string().nullable(),
      primaryAfter: z.string().nullable(),
      failoverMs: ms.nullable(),
      promoted: z.boolean(),
    })
    .optional(),
  expectation: expectationSchema
    .extend({
      /** Whether the run agrees with the documentation; null: it cannot decide (see reason). */
      matches: z.boolean().nullable(),
      /** Why the run cannot decide, or what the mismatch is. */
      reason: z.string().optional(),
    })
    .optional()
    .describe("what the variant's documentation says a whole-store restart or kill loses"),
});

/** One target's resource use in one second of the load (process: /proc; docker: the stats API). */
export const resourcePointSchema = z.object({
  target: z.string(),
  /** CPU time used in this second over its length: 100 = one core busy. */
  cpuPercent: z.number().nonnegative(),
  rssBytes: count,
  /** Bytes written to disk in this second (process: /proc io write_bytes; docker: blkio). */
  writtenBytes: count.nullable(),
});

export const timelinePointSchema = z.object({
  tMs: ms.describe('start of the second, ms after the load started'),
  rps: count.describe('answers received in this second'),
  p99Us: us.describe('p99 of the requests intended in this second, µs'),
  errors: count,
  loginWallHits: count,
  /** Users logged out by the store so far (distinct, cumulative) at the end of this second. */
  loggedOut: count.optional(),
  /**
   * A shard's result only: this second's latencies (intended in it) as an HDR
   * histogram, standard V2 compressed base64, so `merge` recomputes p99Us exactly.
   */
  latencyHistogram: z.string().optional(),
  /** Each node's and app instance's resource use in this second; absent where not sampled. */
  resources: z.array(resourcePointSchema).optional(),
});

export const requestCountsSchema = z.object({
  /** Every request of the load phase (warm-up and sweep excluded). */
  total: count,
  /** Answered by the app, a login wall included. */
  ok: count,
  errors: count,
  timeouts: count,
  /**
   * Never sent: no connection of the client was free within the request timeout. They
   * never reached the app, so they are neither its errors nor its timeouts; they count
   * as late. Absent in results written before they were told apart (then in timeouts).
   */
  notSent: count.optional(),
  /** Sent more than LATE_MS after their intended time, or never sent (generator or socket limit); their latency still counts from the intended time. */
  late: count,
});

export const latencySummarySchema = z.object({ p50: us, p90: us, p99: us, p999: us, max: us });

/** The counts DESIGN.md defines, exactly. */
export const auditCountsSchema = z.object({
  /** Users logged in and acknowledged whose session vanished (during the run or at the sweep); once each. */
  loggedOutUsers: count,
  /** Requests during the run answered "not logged in" for a user the ledger says is logged in. */
  loginWallHits: count,
  /** Acknowledged writes read back older: for each detection, how many acknowledged increments were lost. */
  lostUpdates: count,
  /** Logged-out sessions accepted again later (each session once). */
  resurrectedSessions: count,
  /** Answers carrying another user's session. Must be 0. */
  wrongUserSessions: count,
  /** Users the final sweep could not check (the app or store kept failing, or the sweep was interrupted before them); once each, so never above users.total. */
  unverifiedUsers: count,
  /**
   * Requests of the load sent and never answered (timed out, connection cut; a refused
   * connection is not one): they may or may not have applied (Jepsen's `:info`). The
   * audit counts them and never calls a later consequence of one a loss. Absent in
   * results written before it was counted.
   */
  indeterminate: count.optional(),
  /**
   * Reads of the load that showed a session older than an update acknowledged to that
   * user before the read was sent: the first sight of a loss, or an old copy (a lagging
   * node). Each such read once; its missing increments are in lostUpdates. Absent in
   * results written before it was counted.
   */
  staleReads: count.optional(),
  /** Updates the app acknowledged (200) during the run: the population of lostUpdates. */
  acknowledgedUpdates: count.optional(),
  /** Logouts the app acknowledged (200): the population of resurrectedSessions. */
  acknowledgedLogouts: count.optional(),
});

/** One thing that happened to a node or the app: start, ready, stop, kill, pause... */
export const lifecycleEventSchema = z.object({
  /** Milliseconds since the load phase started (negative: before it). */
  tMs: ms,
  target: z.string(),
  event: z.string(),
  detail: z.string().optional(),
});

/** One phase of the neighbour workload's own operations (latency from intended send time). */
export const neighborPhaseSchema = z.object({
  /** alone: before the warm-up, its baseline; beside: during the session load (one per rate step). */
  phase: z.enum(['alone', 'warm-up', 'beside', 'sweep']),
  /** beside: the session load's arrival rate in this phase. */
  sessionRateRps: z.number().optional(),
  /**
   * beside: the session requests intended in this phase (their own figures, latency
   * from intended send time), so a reader sees whether the sessions were served on
   * time at this rate, or the step was never really reached.
   */
  session: z
    .object({
      requests: count,
      answered: count,
      p99Us: us,
      /** The database node's CPU over the step (100 = one core), from the resource samples. */
      nodeCpuPercent: z.number().optional(),
    })
    .optional(),
  durationMs: ms,
  operations: count,
  errors: count,
  /** Sent more than 10 ms after their intended time: the neighbour itself fell behind. */
  late: count,
  latencyUs: latencySummarySchema,
});

/** The database's other work beside the sessions (`--neighbor oltp`) and what the sessions did to it. */
export const neighborResultSchema = z.object({
  workload: z.string(),
  status: z.enum(['done', 'skipped', 'failed']),
  reason: z.string().optional(),
  /** What it ran, e.g. "point select + update of k by id on table t (10,000 rows), 20% updates". */
  description: z.string().optional(),
  rateRps: z.number(),
  phases: z.array(neighborPhaseSchema),
});

/**
 * What one node (node0..) or app instance (app0..) cost over the load phase, sampled
 * each second: CPU time and share, peak resident memory, bytes written to disk, the
 * last two also per 1,000 requests. `visible` false (external servers): every figure
 * null and `reason` says why.
 */
export const resourceUsageSchema = z.object({
  target: z.string(),
  visible: z.boolean(),
  reason: z.string().optional(),
  /** process (sum over the node's process tree, /proc) or docker (the stats API). */
  source: z.enum(['proc', 'docker']).optional(),
  cpuMs: ms.nullable(),
  /** cpuMs over the load phase's length: 100 = one core busy all along. */
  cpuPercent: z.number().nullable(),
  /** Peak resident memory: RSS of a lone process, Σ Pss of a process tree (shared pages once), a container's usage less its page cache. */
  rssBytesMax: count.nullable(),
  /** process: /proc io write_bytes, an upper bound where the page cache uses large folios (a small synced write counts a whole folio); docker: blkio, else the same. */
  writtenBytes: count.nullable(),
  cpuMsPer1kRequests: z.number().nullable(),
  writtenBytesPer1kRequests: z.number().nullable(),
  samples: count,
});

/** One fixed-rate step of capacity mode. */
export const capacityStepSchema = z.object({
  rateRps: z.number(),
  /** geometric: rate x stepFactor; bisect: midway between the last pass and the first fail; retry: the same rate again after a step lost to the generator. */
  kind: z.enum(['geometric', 'bisect', 'retry']),
  durationMs: ms,
  requests: count,
  errors: count.describe('errors and timeouts'),
  late: count,
  p50Us: us,
  p99Us: us,
  /** p99 of the generator's own event-loop delay during the step, µs. */
  generatorLagP99Us: us,
  /** The generator's longest event-loop stall during the step, µs. */
  generatorLagMaxUs: us.optional(),
  /** Σ of the generator's event-loop stalls beyond LATE_MS: time in which any request due was bound to leave late. */
  generatorStalledMs: ms,
  /**
   * pass: within the SLO; fail: the store or app gave out; generator: the step failed
   * while the generator itself stalled enough to explain it (src/load/capacitySearch.ts),
   * so the failure is the tool's limit, not the store's.
   */
  verdict: z.enum(['pass', 'fail', 'generator']),
  /** Why it failed, one phrase per broken bound; empty for a pass. */
  reasons: z.array(z.string()),
  /** CPU % per target during the step (from the resource samples), when sampled. */
  cpuPercent: z.record(z.string(), z.number()).optional(),
});

/**
 * Capacity mode's answer: the knee (the highest passing rate) with its latency, the
 * curve of every step, and the knee as requests per day at the peak factor.
 */
export const capacityResultSchema = z.object({
  slo: z.string(),
  stepFactor: z.number(),
  stepMs: ms,
  bisections: count,
  steps: z.array(capacityStepSchema),
  /** null: the first step already failed (the knee is below it). */
  kneeRps: z.number().nullable(),
  kneeP50Us: us.nullable(),
  kneeP99Us: us.nullable(),
  /** store: a step failed on the store or app; generator: the generator's limit came first (the knee is a lower bound); none: no step failed up to the last one tried. */
  limitedBy: z.enum(['store', 'generator', 'none']),
  /** The busiest hour's traffic over the daily mean (3 for the default scenario). */
  peakFactor: z.number(),
  /** kneeRps x 86,400 / peakFactor: the daily traffic whose peak hour the knee serves. */
  requestsPerDay: z.number().nullable(),
  /** The sentence that shows the arithmetic, e.g. "1,200 req/s x 86,400 s / 3 = 34.6M requests/day". */
  arithmetic: z.string(),
});

export const variantResultSchema = z.object({
  variant: z.string(),
  backend: z.string(),
  provider: z.string(),
  providerReason: z.string().optional(),
  server: z.object({ name: z.string(), version: z.string() }).nullable(),
  serverCommand: z.string().optional(),
  status: z.enum(['completed', 'failed', 'skipped', 'aborted']),
  reason: z.string().optional(),
  mode,
  requests: requestCountsSchema,
  /** Answered requests per second over the whole load phase (to its end, not to the last answer). */
  throughputRps: z.number().nonnegative(),
  latencyUs: latencySummarySchema.describe('HDR histogram percentiles, µs'),
  users: z.object({ total: count, loggedInAtEnd: count }),
  audit: auditCountsSchema,
  faults: z.array(faultResultSchema),
  timeline: z.array(timelinePointSchema),
  events: z.array(lifecycleEventSchema),
  phasesMs: z.object({ start: ms, warmUp: ms, load: ms, sweep: ms }),
  logTail: z.array(z.string()).optional(),
  /**
   * Answers stopped for longer than the load's timeout, outside any fault's own
   * downtime: from `atMs` (ms after the load started) for `forMs`. A variant with it
   * did not complete cleanly, whatever its status.
   */
  stalled: z.object({ atMs: ms, forMs: ms }).optional(),
  /**
   * The generator's own event loop during a fixed-rate load (merged from --workers or
   * shards: the worst of them): its delay p99, its longest stall, the Σ of its stalls
   * beyond LATE_MS, and whether that explains the requests that left late (`behind`,
   * the rule of a capacity step's `generator` verdict). When it does not, late requests
   * waited for a connection every one of which was held by a slow answer.
   */
  generator: z
    .object({ lagP99Us: us, lagMaxUs: us, stalledMs: ms, behind: z.boolean() })
    .optional(),
  /**
   * The app or a node died without a planned fault (an EventLog `died` event, or
   * every request refused while no fault ran). The variant is then `failed`.
   */
  unexpectedExits: z
    .array(z.object({ tMs: ms, target: z.string(), detail: z.string().optional() }))
    .optional(),
  /**
   * Present when this variant's loss figures (logged out, lost updates) are not
   * representative, e.g. a time-compressed day whose stores' timers ran on real
   * time: one short sentence. Reporters mark those figures with † and print it once.
   */
  durabilityCaveat: z.string().optional(),
  neighbor: neighborResultSchema.optional(),
  /** `--scenario claims`: the claim this result answers (one variant may run for several). */
  claim: z.enum(CLAIM_IDS).optional(),
  /**
   * The app this variant ran: its flavour (builtin, express, express:recommended,
   * fastify, external), the middleware options as written, and the middleware and
   * store packages with the versions installed at run time (empty for builtin).
   * Absent in results written before app flavours: the builtin app.
   */
  app: z
    .object({
      flavour: z.string(),
      options: z.record(z.string(), z.string()),
      packages: z.array(z.object({ name: z.string(), version: z.string() })),
    })
    .optional(),
  /**
   * A replicated or clustered store (redis:sentinel, redis:cluster): its kind, the
   * settings it ran with (down-after-milliseconds, cluster-node-timeout, ...) and its
   * members, every one a fault target.
   */
  topology: z
    .object({
      kind: z.string(),
      configuration: z.record(z.string(), z.string()),
      members: z.array(z.string()),
    })
    .optional(),
  /**
   * Every latency of the load phase as an HDR histogram (µs, 3 significant digits) in
   * the standard V2 compressed base64 form ("HISTF...") that HdrHistogram libraries of
   * other languages read; `latencyUs` is its summary. `merge` adds these up.
   */
  latencyHistogram: z.string().optional(),
  /** Wall-clock time (ISO 8601) the load phase began: shards of one run show their alignment. */
  loadStartedAt: z.string().optional(),
  /** Capacity mode (load.mode capacity): the search for the knee. */
  capacity: capacityResultSchema.optional(),
  /** What each node and app instance cost during the load. */
  resources: z.array(resourceUsageSchema).optional(),
});

/** Which slice of a run one shard drove (`run --shard i/N`); `merge` checks and joins them. */
export const shardInfoSchema = z.object({
  /** The id every shard of the run shares (--run-id, or derived from --start-at and planHash). */
  runId: z.string(),
  /** sha256 of the plan (the `scenario` field) minus warnings and the scenario file's path. */
  planHash: z.string(),
  /** 1-based: shard `index` of `count`. */
  index: z.number().int().positive(),
  count: z.number().int().positive(),
  /** The virtual users this shard drove: ids `from` to `to - 1` (to exclusive), of the plan's load.users. */
  users: z.object({ from: count, to: count }),
  /** Whether this shard ran the scenario's faults (shard 1, or every shard with --shard-faults all). */
  ranFaults: z.boolean(),
  /** --start-at, when given: the wall-clock time the first variant's load was meant to begin. */
  startAt: z.string().optional(),
});

/** A result made by `session-bench merge` from the shards of one run. */
export const mergedInfoSchema = z.object({
  planHash: z.string(),
  /** Each shard merged: its index, its own process's run id, and the file it came from. */
  shards: z.array(
    z.object({ index: z.number().int().positive(), runId: z.string(), file: z.string() }),
  ),
  /** The shards whose faults the merged `faults` are (their per-fault user figures count their own users only). */
  faultsFrom: z.array(z.number().int().positive()),
});

export const thresholdVerdictSchema = z.object({
  expression: z.string(),
  variant: z.string(),
  metric: z.string(),
  status: z.enum(['passed', 'failed', 'skipped']),
  value: z.number().nullable(),
  limit: z.number().nullable(),
  message: z.string(),
});

export const CLAIM_VERDICTS = [
  'holds',
  'holds under conditions',
  'does not hold on this machine',
  'not measured',
] as const;

/** One claim of the seed post, answered from the runs made for it (`--scenario claims`). */
export const claimResultSchema = z.object({
  id: z.enum(CLAIM_IDS),
  /** The claim in the post's words. */
  claim: z.string(),
  /** What was run to answer it: variants, topology, faults, load. */
  setup: z.string(),
  verdict: z.enum(CLAIM_VERDICTS),
  /** When the verdict depends on them ("with 2 app instances and no sticky sessions"), or why not measured. */
  conditions: z.string().optional(),
  /** The measured figures behind the verdict, one sentence each, written from the results. */
  evidence: z.array(z.object({ variant: z.string(), text: z.string() })),
  /** The run id of the results that answer it (each result carries `claim`). */
  runId: z.string(),
});

export const runResultSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    runId: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    /** `partial`: the run is still writing variants, or died before it finished (killed, crashed). */
    status: z.enum(['completed', 'aborted', 'partial']),
    tool: z.object({ name: z.literal('session-bench'), version: z.string() }),
    machine: z.object({
      cpus: count,
      cpuModel: z.string(),
      memoryBytes: count,
      node: z.string(),
      platform: z.string(),
    }),
    scenario: planSchema,
    results: z.array(variantResultSchema),
    thresholds: z.array(thresholdVerdictSchema).optional(),
    /** `--scenario claims`: each claim's verdict; its variants' results carry `claim`. */
    claims: z.array(claimResultSchema).optional(),
    /**
     * Present in a shard's result (`run --shard i/N`). `runId` above stays this
     * process's own id (the names it leaves on servers); shard.runId is the run's.
     */
    shard: shardInfoSchema.optional(),
    /**
     * Generator processes that drove the load (`run --workers N`), merged into this one
     * result; absent: one. Per-fault user figures then count the runner's slice (users
     * 0.. of the first 1/N), the audit counts every user.
     */
    workers: z.number().int().positive().optional(),
    /** Present in a result `session-bench merge` wrote; its runId is the shards' shared one. */
    merged: mergedInfoSchema.optional(),
  })
  .describe('A session-bench run: one result per backend variant (session-bench run --json)');

/** "results.0.latencyUs.p99: expected number, received string" per problem; empty when valid. */
export function resultIssues(data: unknown): string[] {
  const parsed = runResultSchema.safeParse(data);
  if (parsed.success) return [];
  return parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`,
  );
}

/** The JSON Schema (draft 2020-12) of a result file. */
export function resultJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(runResultSchema, { io: 'input' });
  return { $schema, title: `session-bench result, schemaVersion ${SCHEMA_VERSION}`, ...schema };
}
