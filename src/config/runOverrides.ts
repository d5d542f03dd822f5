import { UsageError } from '../errors.js';
import { parseAppOptions } from './appFlavour.js';
import { parseFaultSpec } from './faultSpec.js';
import { quoted } from './scenarioIssues.js';
import type { ScenarioInput } from './schema.js';

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
  mysqlDetection?: string;
  semiSyncTimeout?: string;
  /** --galera-sst: mysql:galera's state transfer method. */
  galeraSst?: string;
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

/** Values of --faults: `scenario` keeps the file's faults (the default), `none` drops them. */
export const SCENARIO_FAULTS = ['scenario', 'none'] as const;

export function fileFaultsKept(raw: Record<string, unknown>, flags: RunOverrides): unknown[] {
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

export function applyOverrides(
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
  if (flags.mysqlDetection !== undefined) topology.mysqlDetection = flags.mysqlDetection;
  if (flags.semiSyncTimeout !== undefined) topology.semiSyncTimeout = flags.semiSyncTimeout;
  if (flags.galeraSst !== undefined) topology.galeraSst = flags.galeraSst;
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
export function capacityFaults(
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
