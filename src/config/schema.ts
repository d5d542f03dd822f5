import { z } from 'zod';
import { readAppUrl } from './appUrl.js';
import { APP_FLAVOURS, optionText } from './appFlavour.js';
import { DURATION_BOUNDS, readBoundedDuration, type DurationBounds } from './duration.js';

/**
 * A duration written with its unit ("30s") or a plain number of milliseconds,
 * within what the tool can honour for that field (DURATION_BOUNDS).
 */
const durationMs = (bounds: DurationBounds) =>
  z.unknown().transform((value, ctx) => {
    const read = readBoundedDuration(value, bounds);
    if ('problem' in read) {
      ctx.addIssue({ code: 'custom', message: read.problem });
      return z.NEVER;
    }
    return read.ms;
  });

/** When a fault fires: `random`, or a duration after the load starts. */
const faultAt = z.unknown().transform((value, ctx): 'random' | number => {
  if (value === 'random') return 'random';
  const read = readBoundedDuration(value, DURATION_BOUNDS.faultAt);
  if ('problem' in read) {
    ctx.addIssue({
      code: 'custom',
      message: `expected random or ${read.problem.slice('expected '.length)}`,
    });
    return z.NEVER;
  }
  return read.ms;
});

/** Numbers may arrive as strings from flags; "abc" must still be rejected by name. */
const numberFrom = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);

/** Faults on a process: they act on the node (or app) itself. */
export const NODE_FAULT_ACTIONS = ['kill', 'restart', 'pause'] as const;
/** Faults on the link between the app and a node, through the fault proxy (src/network/). */
export const NETWORK_FAULT_ACTIONS = [
  'latency',
  'partition',
  'reset',
  'down',
  'bandwidth',
] as const;
export const FAULT_ACTIONS = [...NODE_FAULT_ACTIONS, ...NETWORK_FAULT_ACTIONS] as const;
export const isNetworkAction = (action: string): action is NetworkFaultAction =>
  (NETWORK_FAULT_ACTIONS as readonly string[]).includes(action);
/** Which bytes latency and bandwidth act on: node to app (Toxiproxy's default), app to node, both. */
export const STREAMS = ['downstream', 'upstream', 'both'] as const;
/** Largest latency or jitter a link can be given: beyond it every store call has long timed out. */
const MAX_LATENCY_MS = 600_000;
export const FAULT_TARGET_PATTERN =
  /^(app\d*|node\d+|all|random|store|primary|replica\d+|sentinel\d+)$/;
export const FAULT_TARGET_HELP =
  'app (every app instance), app<i>, node<i>, store (node0), all (every node), random (one node); ' +
  'for embedded backends store, all and random mean the app instances; ' +
  'replicated stores: primary, replica<i> (resolved when the fault fires), sentinel<i>; ' +
  'on redis:sentinel a network fault on a node (primary, replica<i>, node<i>, store) acts on ' +
  'its peer link: it cuts the node from the other nodes and the sentinels, the app still reaches it';

export const faultSchema = z
  .object({
    /** When, after the load starts; `random`: drawn from the run's seed (10%-90% of the load). */
    at: faultAt,
    action: z.enum(FAULT_ACTIONS),
    target: z
      .string()
      .regex(FAULT_TARGET_PATTERN, { message: `expected a target: ${FAULT_TARGET_HELP}` }),
    /** pause: how long frozen; kill or restart: how long kept down before it starts again;
     *  a network fault (but reset, which is instant): how long the link carries it. */
    duration: durationMs(DURATION_BOUNDS.faultDuration).optional(),
    /** latency: added to every answer of the store (downstream), ms. */
    latencyMs: numberFrom(z.number().nonnegative().max(MAX_LATENCY_MS)).optional(),
    /** latency: ± this much, uniformly drawn per chunk (Toxiproxy's jitter), ms. */
    jitterMs: numberFrom(z.number().nonnegative().max(MAX_LATENCY_MS)).optional(),
    /** bandwidth: the store's answers at most this many bytes per second. */
    rateBytesPerS: numberFrom(
      z
        .number()
        .int()
        .min(1)
        .max(10 * 1024 ** 3),
    ).optional(),
    /** latency, bandwidth: downstream (node to app, the default), upstream or both. */
    stream: z.enum(STREAMS).optional(),
    /** Repeat the fault this often after `at`... */
    every: durationMs(DURATION_BOUNDS.faultEvery).optional(),
    /** ...this many times in all (also: how many random times). */
    count: numberFrom(z.number().int().min(1).max(1000)).default(1),
  })
  .strict()
  .superRefine((fault, ctx) => {
    for (const problem of networkFieldProblems(fault)) ctx.addIssue({ code: 'custom', ...problem });
    if (fault.action === 'pause' && fault.duration === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['duration'],
        message: 'pause needs a duration, e.g. pause:app@4s:1s',
      });
    }
    if (
      fault.every !== undefined &&
      fault.duration !== undefined &&
      fault.every <= fault.duration
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['every'],
        message: `must be longer than the fault's duration (${fault.duration} ms): a fault cannot start again before it ended`,
      });
    }
  });

/** Which action takes which parameter field, and how --fault writes it. */
const NETWORK_PARAMETERS = {
  latencyMs: { action: 'latency', form: 'latency:store@10s:10s:200ms or :50ms~30ms' },
  jitterMs: { action: 'latency', form: 'latency:store@10s:10s:50ms~30ms' },
  rateBytesPerS: { action: 'bandwidth', form: 'bandwidth:store@10s:10s:64KB' },
} as const;

/** A network fault's own fields: required where the action needs them, refused elsewhere. */
function networkFieldProblems(fault: {
  action: string;
  target: string;
  duration?: number | undefined;
  latencyMs?: number | undefined;
  jitterMs?: number | undefined;
  rateBytesPerS?: number | undefined;
  stream?: string | undefined;
}): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  if (fault.stream !== undefined && fault.action !== 'latency' && fault.action !== 'bandwidth') {
    problems.push({
      path: ['stream'],
      message:
        'only latency and bandwidth take a stream, e.g. latency:store@10s:10s:200ms:upstream',
    });
  }
  for (const [field, { action, form }] of Object.entries(NETWORK_PARAMETERS)) {
    const value = fault[field as keyof typeof NETWORK_PARAMETERS];
    if (value !== undefined && fault.action !== action) {
      problems.push({
        path: [field],
        message: `only a ${action} fault takes ${field}, e.g. ${form}`,
      });
    }
  }
  if (!isNetworkAction(fault.action)) return problems;
  if (fault.action === 'latency' && fault.latencyMs === undefined) {
    problems.push({
      path: ['latencyMs'],
      message: `latency needs latencyMs, e.g. ${NETWORK_PARAMETERS.latencyMs.form}`,
    });
  }
  if (fault.action === 'bandwidth' && fault.rateBytesPerS === undefined) {
    problems.push({
      path: ['rateBytesPerS'],
      message: `bandwidth needs rateBytesPerS, e.g. ${NETWORK_PARAMETERS.rateBytesPerS.form}`,
    });
  }
  if (fault.action === 'reset' && fault.duration !== undefined) {
    problems.push({
      path: ['duration'],
      message: 'reset is instant and takes no duration, e.g. reset:store@10s',
    });
  }
  if (fault.action !== 'reset' && fault.duration === undefined) {
    problems.push({
      path: ['duration'],
      message: `${fault.action} needs a duration, e.g. ${fault.action}:store@10s:5s`,
    });
  }
  if (/^app\d*$/.test(fault.target)) {
    problems.push({
      path: ['target'],
      message: `a network fault acts on the link to a store node: target node<i>, store, all or random, not ${fault.target}`,
    });
  }
  return problems;
}

export const MODES = ['fixed', 'saturation', 'capacity'] as const;
export const CURVES = ['constant', 'diurnal'] as const;

/** Every bad --parallel gets the allowed range, whatever was wrong with it. */
const PARALLEL_RANGE = 'requests per page view: a whole number from 1 to 16';

/** Capacity mode: geometric steps of the arrival rate from load.rateRps, then a bisection. */
export const capacitySchema = z
  .object({
    /** The bound each step must meet (src/config/slo.ts), e.g. "p99<50ms". */
    slo: z.string().min(1).default('p99<50ms'),
    /** Each geometric step's rate is the previous one times this. */
    stepFactor: numberFrom(z.number().min(1.1).max(10)).default(2),
    /** How long each step's fixed-rate load lasts. */
    stepDuration: durationMs(DURATION_BOUNDS.step).default(5_000),
    /** Bisection steps between the last passing and the first failing rate. */
    bisections: numberFrom(z.number().int().min(0).max(10)).default(3),
  })
  .strict();

export const CAPACITY_DEFAULTS = {
  slo: 'p99<50ms',
  stepFactor: 2,
  stepDuration: 5_000,
  bisections: 3,
};

export const loadSchema = z
  .object({
    mode: z.enum(MODES).default('fixed'),
    /** Open-loop arrival rate for `fixed` mode; the first step's rate in `capacity` mode. */
    rateRps: numberFrom(z.number().positive().max(200_000)).default(350),
    /** constant: rateRps all along. diurnal: a day's traffic shape with rateRps as the
     *  daily mean, replayed in `duration` (24 h compressed). */
    curve: z.enum(CURVES).default('constant'),
    /** Fixed mode: the load's length split evenly into steps at these rates, in order
     *  (`--rate 350,1050,3500`); rateRps is then their mean. */
    rateSteps: z
      .array(z.number().positive().max(200_000))
      .min(2, 'needs at least two rates (one rate is rateRps)')
      .max(8, 'at most 8 steps')
      .optional(),
    duration: durationMs(DURATION_BOUNDS.load).default(30_000),
    /** Virtual users; each is logged in during warm-up. */
    users: numberFrom(z.number().int().positive().max(10_000_000)).default(10_000),
    capacity: capacitySchema.default(CAPACITY_DEFAULTS),
    /** Closed-loop connections for `saturation` mode. */
    connections: numberFrom(z.number().int().positive().max(10_000)).default(64),
    /** Most sockets `fixed` mode opens (4 to 128 before the load, more when a request
     *  finds them busy: at once below 1,500 req/s, else after rate/300 ms, at most
     *  100 ms); beyond it requests wait and count as late. */
    maxConnections: numberFrom(z.number().int().positive().max(20_000)).default(1024),
    payloadBytes: numberFrom(z.number().int().nonnegative().max(1_000_000)).default(1024),
    /** Requests per page view: a user's step sends this many at once, as a browser does
     *  (one update or logout racing the rest, which are reads). rateRps stays requests/s. */
    parallel: numberFrom(
      z
        .number({ error: PARALLEL_RANGE })
        .int({ error: PARALLEL_RANGE })
        .min(1, { error: PARALLEL_RANGE })
        .max(16, { error: PARALLEL_RANGE }),
    ).default(1),
    /** A request unanswered after this long counts as a timeout. */
    timeout: durationMs(DURATION_BOUNDS.timeout).default(5_000),
    /** A request answered later than this counts as failed for unavailableMs. */
    slow: durationMs(DURATION_BOUNDS.slow).default(500),
    /** Seeds user and action choice so a run is repeatable. */
    seed: numberFrom(z.number().int().nonnegative()).default(1),
    /** Request mix for a logged-in user (weights); `replay` is the chance that a
     *  logged-out user replays its old cookie before logging in again. */
    mix: z
      .object({
        read: z.number().nonnegative().default(0.7),
        update: z.number().nonnegative().default(0.25),
        logout: z.number().nonnegative().default(0.05),
        replay: z.number().min(0).max(1).default(0.3),
      })
      .strict()
      .default({ read: 0.7, update: 0.25, logout: 0.05, replay: 0.3 })
      .refine((mix) => mix.read + mix.update + mix.logout > 0, {
        message: 'read + update + logout must be more than 0',
      }),
  })
  .strict();

/**
 * mysql:galera's state transfer (wsrep_sst_method): rsync, MariaDB's default, needs
 * rsync; mariabackup needs mariadb-backup and socat (what the official image ships).
 */
export const GALERA_SST_CHOICES = ['auto', 'rsync', 'mariabackup'] as const;
export type GaleraSstChoice = (typeof GALERA_SST_CHOICES)[number];

/** Where the fault proxy runs: in the app's process, or in one of its own. */
export const PROXY_PROCESS_CHOICES = ['app', 'separate'] as const;
export type ProxyProcess = (typeof PROXY_PROCESS_CHOICES)[number];

export const topologySchema = z
  .object({
    /** Server nodes per pooled backend (memcached, redis); mysql stays single-node. */
    nodes: numberFrom(z.number().int().min(1).max(16)).default(1),
    /** App processes behind a round-robin balancer (no sticky sessions). */
    appInstances: numberFrom(z.number().int().min(1).max(8)).default(1),
    /** Put the fault proxy between the app and every node even without a network fault
     *  (to measure its cost); a planned network fault places it anyway. */
    proxy: z.boolean().default(false),
    /**
     * Where the fault proxy's links to the nodes run: inside the app's own process (the
     * default for session-bench's apps: no other process to wake, so it costs least) or in
     * a separate process (the only way for your own app, --app-url).
     */
    proxyProcess: z.enum(PROXY_PROCESS_CHOICES).optional(),
    /** redis:sentinel*: Sentinel's down-after-milliseconds (session-bench's default 2s; Sentinel's own 30s). */
    sentinelDownAfter: durationMs(DURATION_BOUNDS.failoverTiming).optional(),
    /** redis:sentinel*: Sentinel's failover-timeout (default here 10s; Sentinel's own 180s). */
    sentinelFailoverTimeout: durationMs(DURATION_BOUNDS.failoverTiming).optional(),
    /** redis:cluster: cluster-node-timeout (default here 2s; Redis's own 15s). */
    clusterNodeTimeout: durationMs(DURATION_BOUNDS.failoverTiming).optional(),
    /** mysql:replica, mysql:semisync: session-bench's orchestrator's detection window (default 2s); mysql:galera: the front's health check's (default 1s). */
    mysqlDetection: durationMs(DURATION_BOUNDS.failoverTiming).optional(),
    /** mysql:semisync: rpl_semi_sync_master_timeout (default MariaDB's own 10s). */
    semiSyncTimeout: durationMs(DURATION_BOUNDS.failoverTiming).optional(),
    /** mysql:galera: how a joining node gets its state (auto: rsync if installed, else mariabackup). */
    galeraSst: z.enum(GALERA_SST_CHOICES).optional(),
  })
  .strict();

/** The seed post's four claims (`--scenario claims`); src/claims/ says how each is measured. */
export const CLAIM_IDS = [
  'disk-scale',
  'memcached-restart',
  'rdb-hotspot',
  'redis-persistence',
] as const;
export type ClaimId = (typeof CLAIM_IDS)[number];

export const NEIGHBOR_WORKLOADS = ['oltp'] as const;

/** The database's other work beside the sessions (src/neighbor/): measured alone, then beside the load. */
export const neighborSchema = z
  .object({
    /** oltp: point selects and index updates on its own table (redis, memcached: GET/SET on its own keys). */
    workload: z.enum(NEIGHBOR_WORKLOADS),
    rateRps: numberFrom(z.number().positive().max(20_000)).default(200),
    rows: numberFrom(z.number().int().min(100).max(1_000_000)).default(10_000),
    /** Share of its operations that are updates; the rest are point selects. */
    updateShare: numberFrom(z.number().min(0).max(1)).default(0.2),
    /** How long it runs alone, before the warm-up, for its baseline. */
    baseline: durationMs(DURATION_BOUNDS.neighborBaseline).default(5_000),
  })
  .strict();

/** `--app-url`: a loopback http URL with a port, normalised to scheme, host and port. */
const appUrl = z.unknown().transform((value, ctx) => {
  const read = readAppUrl(value);
  if ('problem' in read) {
    ctx.addIssue({ code: 'custom', message: read.problem });
    return z.NEVER;
  }
  return read.url;
});

export const appSchema = z
  .object({
    /** builtin (ours), express, express:recommended or fastify (src/app/flavours/). */
    flavour: z.enum(APP_FLAVOURS).default('builtin'),
    /** Middleware options, e.g. { resave: false, cookie.maxAge: 60000 }; --app-option adds to them. */
    options: z
      .record(z.string(), z.unknown())
      .default({})
      .transform((options) =>
        Object.fromEntries(Object.entries(options).map(([k, v]) => [k, optionText(v)])),
      ),
    /** The user's own app, any language, following the HTTP contract of src/app/sessionApp.ts (flavour external). */
    url: appUrl.optional(),
    /** Starts the user's app (/bin/sh -c, PORT from `url`), so app faults reach it. */
    command: z.string().trim().min(1).optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Variants to run, e.g. [memory, disk:fsync]; default: every one available. */
    backends: z.array(z.string().min(1)).min(1).optional(),
    load: loadSchema.default(loadSchema.parse({})),
    topology: topologySchema.default({ nodes: 1, appInstances: 1, proxy: false }),
    app: appSchema.default({ flavour: 'builtin', options: {} }),
    faults: z.array(faultSchema).default([]),
    neighbor: neighborSchema.optional(),
    /** Answer these claims instead of running the variants once (the `claims` scenario). */
    claims: z.array(z.enum(CLAIM_IDS)).min(1).optional(),
    /** Pass/fail criteria, e.g. ["p99<50ms", "loggedOutUsers==0"] (src/report/thresholds.ts). */
    thresholds: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;
export type FaultAction = (typeof FAULT_ACTIONS)[number];
export type NetworkFaultAction = (typeof NETWORK_FAULT_ACTIONS)[number];
