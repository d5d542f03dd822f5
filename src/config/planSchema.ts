import { z } from 'zod';
import { DOCKER_NETWORKS, IMAGE_SETS, PROVIDER_NAMES } from './providerOptions.js';
import { CURVES, FAULT_ACTIONS, MODES, STREAMS } from './schema.js';

/**
 * The validated plan a run follows (every default filled in, every name checked),
 * as a zod schema: the Plan type is inferred from it, and the result file embeds it.
 */

const count = z.number().int().nonnegative();
const ms = z.number();

export const faultPlanSchema = z.object({
  atMs: ms,
  action: z.enum(FAULT_ACTIONS),
  target: z.string(),
  durationMs: ms.optional(),
  /** latency faults: ms added to the store's answers, ± jitterMs. */
  latencyMs: ms.optional(),
  jitterMs: ms.optional(),
  /** bandwidth faults: the store's answers at most this many bytes per second. */
  rateBytesPerS: z.number().optional(),
  /** latency and bandwidth: which bytes they act on (default downstream, node to app). */
  stream: z.enum(STREAMS).optional(),
});

/** Capacity mode's search (load.mode capacity); the SLO is kept as written and parsed terms. */
export const capacityPlanSchema = z.object({
  slo: z.string(),
  stepFactor: z.number(),
  stepMs: ms,
  bisections: count,
});

export const loadPlanSchema = z.object({
  mode: z.enum(MODES),
  /** The constant rate, or the daily mean of a diurnal curve. */
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
  /** Present in capacity mode only. */
  capacity: capacityPlanSchema.optional(),
  mix: z.object({
    read: z.number(),
    update: z.number(),
    logout: z.number(),
    replay: z.number(),
  }),
});

export const planSchema = z.object({
  scenario: z.object({
    name: z.string(),
    description: z.string().optional(),
    source: z.string(),
  }),
  /**
   * Requested variants in order (`all`: every variant); undefined means the default
   * configuration of each backend. Variants that cannot run here are skipped unless listed.
   */
  variants: z.array(z.string()).optional(),
  load: loadPlanSchema,
  topology: z.object({ nodes: count, appInstances: count, proxy: z.boolean().optional() }),
  /** How servers are started; `auto` tries docker, then process. */
  provider: z.enum(PROVIDER_NAMES),
  /** docker: official (pinned Docker Hub tags) or offline (built from Debian packages). */
  imageSet: z.enum(IMAGE_SETS),
  /** docker: bridge publishes ports on 127.0.0.1; host shares the host's network. */
  dockerNetwork: z.enum(DOCKER_NETWORKS),
  /** Endpoints per backend for the external provider, e.g. { redis: ['redis://127.0.0.1:6379'] }. */
  targets: z.record(z.string(), z.array(z.string())),
  faults: z.array(faultPlanSchema),
  /** Sessions live at least this long in every store, so the run never expires them. */
  sessionTtlMs: ms,
  /** Threshold expressions from the scenario file (`--threshold` adds to them in the CLI). */
  thresholds: z.array(z.string()),
  /**
   * Where the plan differs from what was asked, one sentence each (e.g. a scenario
   * fault dropped because --duration ended the load before it); printed before the run.
   */
  warnings: z.array(z.string()).optional(),
});

export type FaultPlan = z.infer<typeof faultPlanSchema>;
export type LoadPlan = z.infer<typeof loadPlanSchema>;
export type CapacityPlan = z.infer<typeof capacityPlanSchema>;
/** A validated run: every default filled in, every name checked. */
export type Plan = z.infer<typeof planSchema>;
