import { z } from 'zod';
import { DOCKER_NETWORKS, IMAGE_SETS, PROVIDER_NAMES } from './providerOptions.js';
import {
  CLAIM_IDS,
  CURVES,
  FAULT_ACTIONS,
  GALERA_SST_CHOICES,
  MODES,
  NEIGHBOR_WORKLOADS,
  PROXY_PROCESS_CHOICES,
  STREAMS,
} from './schema.js';

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
  /** Fixed mode: the load split evenly into steps at these rates (rateRps is their mean). */
  rateSteps: z.array(z.number()).optional(),
  durationMs: ms,
  users: count,
  connections: count,
  maxConnections: count,
  payloadBytes: count,
  /** Requests per page view, sent at once (1: one request in flight per user). Absent in old plans: 1. */
  parallel: z.number().int().min(1).max(16).optional(),
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

/** The app under test: its flavour and the middleware options as written (`resave=false`). */
export const appPlanSchema = z.object({
  flavour: z.string(),
  options: z.record(z.string(), z.string()),
  /** The user's own app: scheme, host and port, on this machine's loopback. */
  url: z.string().optional(),
  /** How session-bench starts the user's app (through /bin/sh -c, PORT in its environment). */
  command: z.string().optional(),
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
  topology: z.object({
    nodes: count,
    appInstances: count,
    proxy: z.boolean().optional(),
    /** Absent: in the app for session-bench's apps, separate for the user's own. */
    proxyProcess: z.enum(PROXY_PROCESS_CHOICES).optional(),
    /** Failure detection of replicated stores, ms; absent: the backend's stated default. */
    sentinelDownAfter: z.number().optional(),
    sentinelFailoverTimeout: z.number().optional(),
    clusterNodeTimeout: z.number().optional(),
    mysqlDetection: z.number().optional(),
    semiSyncTimeout: z.number().optional(),
    galeraSst: z.enum(GALERA_SST_CHOICES).optional(),
  }),
  /** Absent in results written before app flavours: the builtin app. */
  app: appPlanSchema.default({ flavour: 'builtin', options: {} }),
  /** How servers are started; `auto` tries docker, then process. */
  provider: z.enum(PROVIDER_NAMES),
  /** docker: official (pinned Docker Hub tags) or offline (built from Debian packages). */
  imageSet: z.enum(IMAGE_SETS),
  /** docker: bridge publishes ports on 127.0.0.1; host shares the host's network. */
  dockerNetwork: z.enum(DOCKER_NETWORKS),
  /** Endpoints per backend for the external provider, e.g. { redis: ['redis://127.0.0.1:6379'] }. */
  targets: z.record(z.string(), z.array(z.string())),
  faults: z.array(faultPlanSchema),
  /** The claims to answer (`--scenario claims`): each runs its own variants and faults. */
  claims: z.array(z.enum(CLAIM_IDS)).optional(),
  /** The database's other work beside the sessions (`--neighbor oltp`). */
  neighbor: z
    .object({
      workload: z.enum(NEIGHBOR_WORKLOADS),
      rateRps: z.number(),
      rows: count,
      updateShare: z.number(),
      baselineMs: ms,
    })
    .optional(),
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

export type AppPlan = z.infer<typeof appPlanSchema>;
export type FaultPlan = z.infer<typeof faultPlanSchema>;
export type LoadPlan = z.infer<typeof loadPlanSchema>;
export type CapacityPlan = z.infer<typeof capacityPlanSchema>;
/** A validated run: every default filled in, every name checked. */
export type Plan = z.infer<typeof planSchema>;
