import { z } from 'zod';
import { CURVES, FAULT_ACTIONS, MODES } from '../config/schema.js';
import { IMAGE_SETS } from '../providers/dockerImages.js';
import { DOCKER_NETWORKS, PROVIDER_NAMES } from '../providers/provider.js';

/**
 * The result file's shape as a zod schema: `report` and `compare` validate what they
 * read with it, and `schema/result.schema.json` (the JSON Schema committed for other
 * tools) is generated from it. test/unit/resultSchema.test.ts fails to compile when
 * this and the interfaces in result.ts drift apart: a field added there is added here
 * too, then `UPDATE_SCHEMA=1 npx vitest run test/unit/resultSchema.test.ts` rewrites
 * the JSON file. Objects accept unknown fields: a newer writer of the same
 * schemaVersion may add some.
 */

const count = z.number().int().nonnegative();
const ms = z.number();
const us = z.number().nonnegative();

const faultAction = z.enum(FAULT_ACTIONS);
const mode = z.enum(MODES);

export const faultPlanSchema = z.object({
  atMs: ms,
  action: faultAction,
  target: z.string(),
  durationMs: ms.optional(),
});

export const planSchema = z.object({
  scenario: z.object({
    name: z.string(),
    description: z.string().optional(),
    source: z.string(),
  }),
  variants: z.array(z.string()).optional(),
  load: z.object({
    mode,
    rateRps: z.number(),
    curve: z.enum(CURVES),
    durationMs: ms,
    users: count,
    connections: count,
    maxConnections: count,
    payloadBytes: count,
    timeoutMs: ms,
    slowMs: ms,
    seed: count,
    mix: z.object({
      read: z.number(),
      update: z.number(),
      logout: z.number(),
      replay: z.number(),
    }),
  }),
  topology: z.object({ nodes: count, appInstances: count }),
  provider: z.enum(PROVIDER_NAMES),
  imageSet: z.enum(IMAGE_SETS),
  dockerNetwork: z.enum(DOCKER_NETWORKS),
  targets: z.record(z.string(), z.array(z.string())),
  faults: z.array(faultPlanSchema),
  sessionTtlMs: ms,
  thresholds: z.array(z.string()),
});

const phaseSummary = z.object({
  fromMs: ms,
  toMs: ms,
  requests: count,
  errors: count,
  throughputRps: z.number(),
  p50Us: us,
  p99Us: us,
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
  unavailableMs: ms,
  recoveryMs: ms.nullable().describe('null: latency did not recover within the run'),
  errorsDuringFault: count,
  loggedOutUsers: count.describe('users whose session was lost at this fault'),
  lostUpdates: count.describe('acknowledged writes lost at this fault'),
  loggedInUsersAtFault: count.optional(),
  unsettledAtFault: count.optional(),
  phases: z.object({ before: phaseSummary, during: phaseSummary, after: phaseSummary }).optional(),
  expectation: z
    .object({
      loss: z.enum(['none', 'all', 'recent']),
      claim: z.string(),
      source: z.string(),
      matches: z.boolean(),
    })
    .optional()
    .describe("what the variant's documentation says a whole-store restart or kill loses"),
});

export const timelinePointSchema = z.object({
  tMs: ms.describe('start of the second, ms after the load started'),
  rps: count.describe('answers received in this second'),
  p99Us: us.describe('p99 of the requests intended in this second, µs'),
  errors: count,
  loginWallHits: count,
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
  requests: z.object({
    total: count,
    ok: count,
    errors: count,
    timeouts: count,
    late: count,
  }),
  throughputRps: z.number().nonnegative(),
  latencyUs: z
    .object({ p50: us, p90: us, p99: us, p999: us, max: us })
    .describe('HDR histogram percentiles, µs'),
  users: z.object({ total: count, loggedInAtEnd: count }),
  audit: z.object({
    loggedOutUsers: count,
    loginWallHits: count,
    lostUpdates: count,
    resurrectedSessions: count,
    wrongUserSessions: count,
    unverifiedUsers: count,
  }),
  faults: z.array(faultResultSchema),
  timeline: z.array(timelinePointSchema),
  events: z.array(
    z.object({
      tMs: ms,
      target: z.string(),
      event: z.string(),
      detail: z.string().optional(),
    }),
  ),
  phasesMs: z.object({ start: ms, warmUp: ms, load: ms, sweep: ms }),
  logTail: z.array(z.string()).optional(),
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

export const runResultSchema = z
  .object({
    schemaVersion: z.literal(1),
    runId: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    status: z.enum(['completed', 'aborted']),
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
  return { $schema, title: 'session-bench result, schemaVersion 1', ...schema };
}
