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
import { parseSlo } from './slo.js';
import type { FaultPlan, Plan } from './planSchema.js';
import {
  DOCKER_NETWORKS,
  IMAGE_SETS,
  PROVIDER_NAMES,
  type ProviderName,
} from './providerOptions.js';
import { readScenarioFile } from './scenarioFile.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { parseTargets } from './targetUrl.js';
import { appChoiceProblems } from './appUrl.js';
import {
  applyOverrides,
  capacityFaults,
  fileFaultsKept,
  type RunOverrides,
} from './runOverrides.js';
import { describeIssues, FLAG_FOR_PATH, quoted, type FaultSource } from './scenarioIssues.js';

export { listScenarioNames } from './scenarioFile.js';

export type { RunOverrides } from './runOverrides.js';

/**
 * What only the backends know, asked by the caller (config sits below them):
 * the most nodes any of the variants runs (a Redis Cluster has 6 whatever --nodes says).
 */
export interface BackendFacts {
  nodesOf(variants: string[] | undefined, nodes: number): number;
}

/** Reads the scenario, applies the flags and validates the whole with one schema. */
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
  if (app.url !== undefined && scenario.topology.proxyProcess === 'app') {
    throw new UsageError(
      'topology.proxyProcess app with app.url (--app-url): session-bench cannot run the ' +
        "fault proxy inside your own app's process; use proxyProcess separate (or leave it out)",
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
