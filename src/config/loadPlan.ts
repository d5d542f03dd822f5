import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { formatDuration } from './duration.js';
import {
  expandFaults,
  faultSpecOf,
  outsideTheLoad,
  overlapProblems,
  repeatProblems,
  targetProblem,
} from './faultSchedule.js';
import { parseFaultSpec } from './faultSpec.js';
import { parseSlo } from './slo.js';
import type { FaultPlan, Plan } from './planSchema.js';
import {
  DOCKER_NETWORKS,
  IMAGE_SETS,
  PROVIDER_NAMES,
  type ProviderName,
} from './providerOptions.js';
import { readScenarioFile } from './scenarioFile.js';
import { parseAppOptions } from './appFlavour.js';
import {
  appSchema,
  faultSchema,
  loadSchema,
  neighborSchema,
  scenarioSchema,
  topologySchema,
  type Scenario,
  type ScenarioInput,
} from './schema.js';
import { parseTargets } from './targetUrl.js';
import { appChoiceProblems } from './appUrl.js';

export { listScenarioNames } from './scenarioFile.js';

/** Flags of `session-bench run` that override the scenario file. */
export interface RunOverrides {
  scenario?: string;
  backends?: string;
  mode?: string;
  rate?: string;
  duration?: string;
  users?: string;
  /** --parallel: requests per page view. */
  parallel?: string;
  seed?: string;
  /** The length a diurnal day is replayed in (sets load.duration for curve: diurnal). */
  compress?: string;
  nodes?: string;
  /** Failover timings of replicated stores (durations, e.g. 2s). */
  sentinelDownAfter?: string;
  sentinelFailoverTimeout?: string;
  clusterNodeTimeout?: string;
  provider?: string;
  /** --image-set: docker images, official or offline. */
  imageSet?: string;
  /** --docker-network: bridge or host. */
  dockerNetwork?: string;
  /** --target backend=URL, for the external provider. */
  targets?: string[];
  /** --fault specs; they add to the scenario's faults. */
  faults?: string[];
  /** --faults none: drop the scenario file's faults (--fault still adds). */
  scenarioFaults?: string;
  /** --neighbor oltp: the database's other work beside the sessions. */
  neighbor?: string;
  /** --neighbor-rate: its operations per second. */
  neighborRate?: string;
  /** --app: the app flavour. */
  app?: string;
  /** --app-url: the user's own app. */
  appUrl?: string;
  /** --app-command: how session-bench starts the user's app. */
  appCommand?: string;
  /** --app-option key=value specs; they add to the scenario's app.options. */
  appOptions?: string[];
  /** Capacity mode: --slo, --step-factor, --step-duration, --bisections. */
  slo?: string;
  stepFactor?: string;
  stepDuration?: string;
  bisections?: string;
}

/** `--rate 350` sets the rate; `--rate 350,1050,3500` steps through those rates. */
function rateFlag(value: string): { rateRps: unknown; rateSteps?: unknown[] } {
  if (!value.includes(',')) return { rateRps: value };
  // A part that is not a number stays text, so the error quotes what was typed.
  const steps = value
    .split(',')
    .map((part) => (part.trim() !== '' && Number.isFinite(Number(part)) ? Number(part) : part));
  const numbers = steps.filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
  const mean = numbers.length
    ? Math.round((numbers.reduce((a, b) => a + b, 0) / numbers.length) * 100) / 100
    : value;
  return { rateRps: mean, rateSteps: steps };
}

const FLAG_FOR_PATH: Record<string, string> = {
  'load.mode': '--mode',
  'load.rateRps': '--rate',
  'load.rateSteps': '--rate',
  'neighbor.workload': '--neighbor',
  'neighbor.rateRps': '--neighbor-rate',
  'load.duration': '--duration',
  'load.users': '--users',
  'load.parallel': '--parallel',
  'load.seed': '--seed',
  'topology.nodes': '--nodes',
  'topology.sentinelDownAfter': '--sentinel-down-after',
  'topology.sentinelFailoverTimeout': '--sentinel-failover-timeout',
  'topology.clusterNodeTimeout': '--cluster-node-timeout',
  'load.capacity.slo': '--slo',
  'load.capacity.stepFactor': '--step-factor',
  'load.capacity.stepDuration': '--step-duration',
  'load.capacity.bisections': '--bisections',
  backends: '--backends',
  'app.flavour': '--app',
  'app.url': '--app-url',
  'app.command': '--app-command',
};

/** Values of --faults: `scenario` keeps the file's faults (the default), `none` drops them. */
export const SCENARIO_FAULTS = ['scenario', 'none'] as const;

function valueAt(raw: unknown, keys: PropertyKey[]): unknown {
  let value = raw;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The fields a scenario may have, per place, for "unknown field" messages. */
const ALLOWED_FIELDS: Record<string, string[]> = {
  '': Object.keys(scenarioSchema.shape),
  load: Object.keys(loadSchema.shape),
  'load.mix': ['read', 'update', 'logout', 'replay'],
  'load.capacity': ['slo', 'stepFactor', 'stepDuration', 'bisections'],
  topology: Object.keys(topologySchema.shape),
  neighbor: Object.keys(neighborSchema.shape),
  app: Object.keys(appSchema.shape),
  fault: Object.keys(faultSchema.shape),
};

function allowedFieldsAt(path: PropertyKey[]): string {
  const place = path[0] === 'faults' ? 'fault' : path.map(String).join('.');
  return (ALLOWED_FIELDS[place] ?? []).join(', ');
}

/** A value quoted in an error: escaped, and short (a scenario path may be any file). */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Only a key shaped like a field name is shown; anything else may be a file's contents. */
function unknownFieldText(keys: string[]): string {
  const first = keys[0] ?? '';
  const more = keys.length > 1 ? ` (and ${keys.length - 1} more)` : '';
  return /^[A-Za-z_][\w-]{0,39}$/.test(first)
    ? `unknown field ${JSON.stringify(first)}${more}`
    : `a key that is not a field name (not shown)${more}`;
}

/** Where a fault entry came from: the file, or the --fault flag that wrote it. */
type FaultSource = (entry: number) => string;

/** The part of a fault's source that names a flag or the file, for "field (flag)". */
const faultFlag = (source: string) => (source.startsWith('--') ? source : 'scenario file');

/** "scenario x.yaml is invalid: load.rateRps (--rate): Too small ..., got -5", one line per issue. */
function describeIssues(
  source: string,
  raw: unknown,
  issues: z.core.$ZodIssue[],
  faultSource: FaultSource,
): string {
  const lines = issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(top level)';
    const flag =
      // A list's entry (load.rateSteps.1) comes from the list's flag.
      FLAG_FOR_PATH[field] ??
      FLAG_FOR_PATH[field.replace(/\.\d+$/, '')] ??
      (issue.path[0] === 'faults' ? faultFlag(faultSource(Number(issue.path[1]))) : '');
    const where = `  ${field}${flag ? ` (${flag})` : ''}`;
    if (issue.code === 'unrecognized_keys') {
      return `${where}: ${unknownFieldText(issue.keys)}; allowed: ${allowedFieldsAt(issue.path)}`;
    }
    const got = valueAt(raw, issue.path);
    return `${where}: ${issue.message}${got === undefined ? '' : `, got ${quoted(got)}`}`;
  });
  return `scenario ${source} is invalid:\n${lines.join('\n')}`;
}

function fileFaultsKept(raw: Record<string, unknown>, flags: RunOverrides): unknown[] {
  const choice = flags.scenarioFaults ?? 'scenario';
  if (!(SCENARIO_FAULTS as readonly string[]).includes(choice)) {
    throw new UsageError(
      `--faults ${quoted(choice)} is not known; allowed: none (drop the scenario's faults; ` +
        '--fault adds your own) or scenario (keep them, the default)',
    );
  }
  if (choice === 'none' || raw.faults === undefined) return [];
  return Array.isArray(raw.faults) ? raw.faults : [raw.faults];
}

function applyOverrides(
  raw: Record<string, unknown>,
  flags: RunOverrides,
  fileFaults: unknown[],
): ScenarioInput {
  const load = { ...((raw.load as Record<string, unknown> | undefined) ?? {}) };
  if (flags.mode !== undefined) load.mode = flags.mode;
  if (flags.rate !== undefined) Object.assign(load, rateFlag(flags.rate));
  if (flags.duration !== undefined) load.duration = flags.duration;
  if (flags.users !== undefined) load.users = flags.users;
  if (flags.parallel !== undefined) load.parallel = flags.parallel;
  if (flags.seed !== undefined) load.seed = flags.seed;
  if (flags.compress !== undefined) {
    if ((load.curve ?? 'constant') !== 'diurnal') {
      throw new UsageError(
        '--compress applies to a diurnal curve (e.g. --scenario day); use --duration otherwise',
      );
    }
    load.duration = flags.compress;
  }
  applyCapacityFlags(load, flags);
  const topology = { ...((raw.topology as Record<string, unknown> | undefined) ?? {}) };
  if (flags.nodes !== undefined) topology.nodes = flags.nodes;
  if (flags.sentinelDownAfter !== undefined) topology.sentinelDownAfter = flags.sentinelDownAfter;
  if (flags.sentinelFailoverTimeout !== undefined)
    topology.sentinelFailoverTimeout = flags.sentinelFailoverTimeout;
  if (flags.clusterNodeTimeout !== undefined)
    topology.clusterNodeTimeout = flags.clusterNodeTimeout;
  const merged: Record<string, unknown> = { ...raw, load, topology, app: appInput(raw, flags) };
  if (flags.neighbor !== undefined || flags.neighborRate !== undefined) {
    const neighbor = { ...((raw.neighbor as Record<string, unknown> | undefined) ?? {}) };
    if (flags.neighbor !== undefined) neighbor.workload = flags.neighbor;
    if (flags.neighborRate !== undefined) neighbor.rateRps = flags.neighborRate;
    merged.neighbor = neighbor;
  }
  if (flags.backends !== undefined) {
    merged.backends = flags.backends
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  }
  merged.faults = [...fileFaults, ...(flags.faults ?? []).map(parseFaultSpec)];
  return merged as ScenarioInput;
}

/** The scenario's `app:` with --app and --app-option applied (a flag option wins over the file's). */
function appInput(raw: Record<string, unknown>, flags: RunOverrides): unknown {
  const fromFlags = parseAppOptions(flags.appOptions ?? []);
  const given = [flags.app, flags.appUrl, flags.appCommand].some((f) => f !== undefined);
  if (!given && Object.keys(fromFlags).length === 0) return raw.app;
  const app = { ...((raw.app as Record<string, unknown> | undefined) ?? {}) };
  if (flags.app !== undefined) app.flavour = flags.app;
  if (flags.appUrl !== undefined) app.url = flags.appUrl;
  if (flags.appCommand !== undefined) app.command = flags.appCommand;
  if (Object.keys(fromFlags).length) {
    app.options = { ...((app.options as Record<string, unknown> | undefined) ?? {}), ...fromFlags };
  }
  return app;
}

const CAPACITY_FLAGS = {
  slo: '--slo',
  stepFactor: '--step-factor',
  stepDuration: '--step-duration',
  bisections: '--bisections',
} as const;

/** --slo and its companions go to load.capacity; outside capacity mode they would be ignored. */
function applyCapacityFlags(load: Record<string, unknown>, flags: RunOverrides): void {
  const given = (Object.keys(CAPACITY_FLAGS) as (keyof typeof CAPACITY_FLAGS)[]).filter(
    (key) => flags[key] !== undefined,
  );
  if (!given.length) return;
  if ((load.mode ?? 'fixed') !== 'capacity') {
    throw new UsageError(
      `${given.map((key) => CAPACITY_FLAGS[key]).join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to --mode capacity only`,
    );
  }
  const capacity = { ...((load.capacity as Record<string, unknown> | undefined) ?? {}) };
  for (const key of given) capacity[key] = flags[key];
  load.capacity = capacity;
}

/**
 * Capacity mode runs no faults: a step lost to a fault would say nothing about the
 * store's limit. The file's faults are dropped with a warning; a --fault is refused.
 */
function capacityFaults(
  raw: Record<string, unknown>,
  flags: RunOverrides,
  fileFaults: unknown[],
  warnings: string[],
): unknown[] {
  const load = (raw.load as Record<string, unknown> | undefined) ?? {};
  if ((flags.mode ?? load.mode) !== 'capacity') return fileFaults;
  if (flags.faults?.length) {
    throw new UsageError(
      `--mode capacity runs no faults (a step lost to a fault says nothing about the limit); drop --fault ${flags.faults[0]}`,
    );
  }
  if (flags.duration !== undefined) {
    throw new UsageError('--mode capacity: each step lasts --step-duration; drop --duration');
  }
  if (fileFaults.length) {
    warnings.push(
      `capacity mode runs no faults: the scenario's ${fileFaults.length} fault(s) are dropped`,
    );
  }
  return [];
}

/** Reads the scenario, applies the flags and validates the whole with one schema. */
/**
 * What only the backends know, asked by the caller (config sits below them):
 * the most nodes any of the variants runs (a Redis Cluster has 6 whatever --nodes says).
 */
export interface BackendFacts {
  nodesOf(variants: string[] | undefined, nodes: number): number;
}

export async function loadPlan(flags: RunOverrides, backends?: BackendFacts): Promise<Plan> {
  const { source, raw } = await readScenarioFile(flags.scenario ?? 'default');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`scenario ${source}: expected a YAML mapping with name, load, faults`);
  }
  const capacityWarnings: string[] = [];
  const fileFaults = capacityFaults(
    raw as Record<string, unknown>,
    flags,
    fileFaultsKept(raw as Record<string, unknown>, flags),
    capacityWarnings,
  );
  const input = applyOverrides(raw as Record<string, unknown>, flags, fileFaults);
  const faultSource: FaultSource = (entry) =>
    entry < fileFaults.length
      ? `faults.${entry} of the file`
      : `--fault ${flags.faults?.[entry - fileFaults.length] ?? ''}`;
  refuseAppChoice(source, input.app);
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(describeIssues(source, input, parsed.error.issues, faultSource));
  }
  const scenario = parsed.data;
  refuseIgnoredFlags(flags, scenario, source);
  const provider = parseProvider(flags.provider);
  const targets = parseTargets(flags.targets ?? []);
  const { duration, timeout, slow, capacity, ...load } = scenario.load;
  const neighbor = scenario.neighbor && {
    workload: scenario.neighbor.workload,
    rateRps: scenario.neighbor.rateRps,
    rows: scenario.neighbor.rows,
    updateShare: scenario.neighbor.updateShare,
    baselineMs: scenario.neighbor.baseline,
  };
  const capacityPlan =
    load.mode === 'capacity'
      ? {
          slo: parseSlo(
            capacity.slo,
            flags.slo !== undefined ? '--slo' : `scenario ${source} load.capacity.slo`,
          )
            .map((t) => t.text)
            .join(','),
          stepFactor: capacity.stepFactor,
          stepMs: capacity.stepDuration,
          bisections: capacity.bisections,
        }
      : undefined;
  const { faults, warnings } = scheduleFaults(scenario, {
    source,
    faultSource,
    fileFaults: fileFaults.length,
    durationFlag:
      flags.compress !== undefined
        ? `--compress ${flags.compress}`
        : flags.duration !== undefined
          ? `--duration ${flags.duration}`
          : undefined,
    nodes: Math.max(
      nodesPerServer(scenario, provider, targets),
      backends?.nodesOf(scenario.backends, scenario.topology.nodes) ?? 0,
    ),
  });
  warnings.push(...appFaultWarnings(scenario, faults));
  warnings.unshift(...capacityWarnings);
  return {
    scenario: { name: scenario.name, description: scenario.description, source },
    variants: scenario.backends,
    load: {
      ...load,
      // Capacity mode: each step is one fixed-rate load of this length.
      durationMs: capacityPlan ? capacityPlan.stepMs : duration,
      timeoutMs: timeout,
      slowMs: slow,
      ...(capacityPlan ? { capacity: capacityPlan } : {}),
    },
    topology: scenario.topology,
    app: appPlan(scenario),
    provider,
    imageSet: parseChoice('--image-set', flags.imageSet, IMAGE_SETS, 'official'),
    dockerNetwork: parseChoice('--docker-network', flags.dockerNetwork, DOCKER_NETWORKS, 'bridge'),
    targets,
    faults,
    ...(neighbor ? { neighbor } : {}),
    ...(scenario.claims ? { claims: scenario.claims } : {}),
    // Long enough that no session expires during the run; under 30 days because
    // memcached reads a longer expiry as a Unix timestamp.
    sessionTtlMs: Math.min(Math.max(3_600_000, 4 * duration), 29 * 86_400_000),
    thresholds: scenario.thresholds,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** Checked as written: a default flavour must not count as one given with --app-url. */
function refuseAppChoice(source: string, app: unknown): void {
  const written = (app ?? {}) as Record<string, unknown>;
  const problems = appChoiceProblems(written);
  if (problems.length === 0) return;
  const lines = problems.map(
    ({ field, message }) => `  ${field} (${FLAG_FOR_PATH[field]}): ${message}`,
  );
  throw new UsageError(`scenario ${source} is invalid:\n${lines.join('\n')}`);
}

/** The user's own app (`app.url`) is the flavour `external`. */
function appPlan({ app }: Scenario): Plan['app'] {
  const flavour = app.url !== undefined ? 'external' : app.flavour;
  return {
    flavour,
    options: app.options,
    ...(app.url !== undefined ? { url: app.url } : {}),
    ...(app.command !== undefined ? { command: app.command } : {}),
  };
}

/** App faults on the user's app that nobody here can carry out: said before the run. */
function appFaultWarnings({ app }: Scenario, faults: FaultPlan[]): string[] {
  if (app.url === undefined || app.command !== undefined) return [];
  const onApp = faults.filter((f) => /^app\d*$/.test(f.target)).map(faultSpecOf);
  if (onApp.length === 0) return [];
  return [
    `${onApp.join(', ')} will be skipped: session-bench did not start your app at ${app.url}; ` +
      'give --app-command so it can stop, kill and pause it',
  ];
}

/** Input that would be silently ignored, or a run that would send nothing: refused. */
function refuseIgnoredFlags(flags: RunOverrides, scenario: Scenario, source: string): void {
  const { load } = scenario;
  if (flags.rate !== undefined && load.mode === 'saturation') {
    throw new UsageError(
      '--rate sets the arrival rate of fixed mode; saturation mode sends as fast as the app ' +
        'answers (closed loop), so it has no rate: drop --rate or use --mode fixed',
    );
  }
  if (load.rateSteps && (load.mode !== 'fixed' || load.curve !== 'constant')) {
    throw new UsageError(
      `scenario ${source}: rate steps (--rate a,b,c) need the fixed mode with a constant curve; ` +
        `this run is ${load.mode} with curve ${load.curve}`,
    );
  }
  if (load.mode === 'fixed' && Math.round((load.duration / 1000) * load.rateRps) < 1) {
    throw new UsageError(
      `scenario ${source}: ${load.rateRps} req/s for ${formatDuration(load.duration)} sends no request; ` +
        'raise --rate or --duration',
    );
  }
  const { app } = scenario;
  if (app.flavour === 'builtin' && Object.keys(app.options).length > 0) {
    throw new UsageError(
      `app option ${Object.keys(app.options).join(', ')}: the builtin app has no middleware options; ` +
        'pick a middleware with --app express, express:recommended or fastify',
    );
  }
  if (app.url !== undefined && scenario.topology.appInstances > 1) {
    throw new UsageError(
      `topology.appInstances ${scenario.topology.appInstances} with app.url (--app-url): ` +
        'your own app is one instance at one URL; use appInstances 1',
    );
  }
  const seen = new Set<string>();
  for (const variant of scenario.backends ?? []) {
    if (seen.has(variant)) {
      const where = flags.backends !== undefined ? '--backends' : `scenario ${source} backends`;
      throw new UsageError(
        `${where} lists ${variant} twice; each variant runs once per run (one id per result)`,
      );
    }
    seen.add(variant);
  }
}

/** Nodes each server backend has: --nodes, or with external servers, the --target URLs. */
function nodesPerServer(
  scenario: Scenario,
  provider: ProviderName,
  targets: Record<string, string[]>,
): number {
  if (provider !== 'external') return scenario.topology.nodes;
  return Math.max(1, ...Object.values(targets).map((urls) => urls.length));
}

interface ScheduleContext {
  source: string;
  faultSource: FaultSource;
  /** Entries before this index came from the scenario file. */
  fileFaults: number;
  /** The flag that set the load's length (--duration or --compress); undefined: the file. */
  durationFlag: string | undefined;
  nodes: number;
}

/**
 * The faults a run fires. A scenario fault that a shorter --duration (or --compress)
 * pushed past the end is dropped with a warning (the help text says so); any other
 * fault outside the load, or aimed at an instance the run does not have, is refused.
 */
function scheduleFaults(
  scenario: Scenario,
  ctx: ScheduleContext,
): { faults: FaultPlan[]; warnings: string[] } {
  const durationMs = scenario.load.duration;
  const problems = repeatProblems(scenario.faults, ctx.faultSource);
  const warnings: string[] = [];
  const faults: FaultPlan[] = [];
  const topology = { appInstances: scenario.topology.appInstances, nodes: ctx.nodes };
  for (const { plan, entry } of expandFaults(scenario.faults, durationMs, scenario.load.seed)) {
    const fromFile = entry < ctx.fileFaults;
    const from = ctx.faultSource(entry);
    const fault = fromFile ? `${from} (${faultSpecOf(plan)})` : from;
    const wrongTarget = targetProblem(plan.target, topology);
    if (wrongTarget) problems.push(`${fault}: ${wrongTarget}`);
    const outside = outsideTheLoad(plan, durationMs);
    if (!outside) faults.push(plan);
    else if (fromFile && ctx.durationFlag) {
      warnings.push(
        `scenario ${scenario.name}'s fault ${faultSpecOf(plan)} ${outside} (${ctx.durationFlag}): ` +
          'dropped; --faults none drops them all, --fault adds your own',
      );
    } else {
      const length = ctx.durationFlag ?? 'load.duration of the file';
      problems.push(`${fault} ${outside} (${length}); move it earlier or make the load longer`);
    }
  }
  problems.push(...overlapProblems(faults));
  if (problems.length) {
    throw new UsageError(`scenario ${ctx.source}: ${[...new Set(problems)].join('; ')}`);
  }
  return { faults, warnings };
}

function parseProvider(value: string | undefined): ProviderName {
  if (value === undefined) return 'auto';
  if ((PROVIDER_NAMES as readonly string[]).includes(value)) return value as ProviderName;
  throw new UsageError(
    `--provider ${quoted(value)} is not known; allowed: ${PROVIDER_NAMES.join(', ')}`,
  );
}

function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} ${quoted(value)} is not known; allowed: ${allowed.join(', ')}`);
}
