import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UsageError, errorMessage } from '../errors.js';
import { SCENARIOS_DIR } from '../paths.js';
import { expandFaults, scheduleProblems } from './faultSchedule.js';
import { parseFaultSpec } from './faultSpec.js';
import type { Plan } from './planSchema.js';
import {
  DOCKER_NETWORKS,
  IMAGE_SETS,
  PROVIDER_NAMES,
  type ProviderName,
} from './providerOptions.js';
import {
  faultSchema,
  loadSchema,
  scenarioSchema,
  topologySchema,
  type ScenarioInput,
} from './schema.js';

/** Flags of `session-bench run` that override the scenario file. */
export interface RunOverrides {
  scenario?: string;
  backends?: string;
  mode?: string;
  rate?: string;
  duration?: string;
  users?: string;
  seed?: string;
  /** The length a diurnal day is replayed in (sets load.duration for curve: diurnal). */
  compress?: string;
  nodes?: string;
  provider?: string;
  /** --image-set: docker images, official or offline. */
  imageSet?: string;
  /** --docker-network: bridge or host. */
  dockerNetwork?: string;
  /** --target backend=URL, for the external provider. */
  targets?: string[];
  faults?: string[];
}

const FLAG_FOR_PATH: Record<string, string> = {
  'load.mode': '--mode',
  'load.rateRps': '--rate',
  'load.duration': '--duration',
  'load.users': '--users',
  'load.seed': '--seed',
  'topology.nodes': '--nodes',
  backends: '--backends',
};

export async function listScenarioNames(): Promise<string[]> {
  const files = await readdir(SCENARIOS_DIR);
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

function scenarioPath(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  return looksLikePath ? path.resolve(nameOrPath) : path.join(SCENARIOS_DIR, `${nameOrPath}.yaml`);
}

async function readScenarioFile(nameOrPath: string): Promise<{ source: string; raw: unknown }> {
  const source = scenarioPath(nameOrPath);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch {
    const known = await listScenarioNames().catch(() => []);
    throw new UsageError(
      `scenario ${JSON.stringify(nameOrPath)} not found (looked for ${source}); ` +
        `shipped scenarios: ${known.join(', ')}, or give a path to a .yaml file`,
    );
  }
  try {
    return { source, raw: parseYaml(text) };
  } catch (error) {
    throw new UsageError(`scenario ${source}: not valid YAML: ${errorMessage(error)}`);
  }
}

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
  topology: Object.keys(topologySchema.shape),
  fault: Object.keys(faultSchema.shape),
};

function allowedFieldsAt(path: PropertyKey[]): string {
  const place = path[0] === 'faults' ? 'fault' : path.map(String).join('.');
  return (ALLOWED_FIELDS[place] ?? []).join(', ');
}

/** "scenario x.yaml is invalid: load.rateRps (--rate): Too small ..., got -5", one line per issue. */
function describeIssues(source: string, raw: unknown, issues: z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(top level)';
    const flag = FLAG_FOR_PATH[field] ?? (field.startsWith('faults.') ? '--fault or faults:' : '');
    const where = `  ${field}${flag ? ` (${flag})` : ''}`;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `${where}: unknown field ${keys}; allowed: ${allowedFieldsAt(issue.path)}`;
    }
    const got = valueAt(raw, issue.path);
    return `${where}: ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
  });
  return `scenario ${source} is invalid:\n${lines.join('\n')}`;
}

function applyOverrides(raw: Record<string, unknown>, flags: RunOverrides): ScenarioInput {
  const load = { ...((raw.load as Record<string, unknown> | undefined) ?? {}) };
  if (flags.mode !== undefined) load.mode = flags.mode;
  if (flags.rate !== undefined) load.rateRps = flags.rate;
  if (flags.duration !== undefined) load.duration = flags.duration;
  if (flags.users !== undefined) load.users = flags.users;
  if (flags.seed !== undefined) load.seed = flags.seed;
  if (flags.compress !== undefined) {
    if ((load.curve ?? 'constant') !== 'diurnal') {
      throw new UsageError(
        '--compress applies to a diurnal curve (e.g. --scenario day); use --duration otherwise',
      );
    }
    load.duration = flags.compress;
  }
  const topology = { ...((raw.topology as Record<string, unknown> | undefined) ?? {}) };
  if (flags.nodes !== undefined) topology.nodes = flags.nodes;
  const merged: Record<string, unknown> = { ...raw, load, topology };
  if (flags.backends !== undefined) {
    merged.backends = flags.backends
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  }
  if (flags.faults?.length) {
    const fileFaults = Array.isArray(raw.faults) ? raw.faults : [];
    merged.faults = [...fileFaults, ...flags.faults.map(parseFaultSpec)];
  }
  return merged as ScenarioInput;
}

/** Reads the scenario, applies the flags and validates the whole with one schema. */
export async function loadPlan(flags: RunOverrides): Promise<Plan> {
  const { source, raw } = await readScenarioFile(flags.scenario ?? 'default');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`scenario ${source}: expected a YAML mapping with name, load, faults`);
  }
  const input = applyOverrides(raw as Record<string, unknown>, flags);
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeIssues(source, input, parsed.error.issues));
  const scenario = parsed.data;
  const { duration, timeout, slow, ...load } = scenario.load;
  const faults = expandFaults(scenario.faults, duration, load.seed);
  const problems = scheduleProblems(scenario.faults, faults, duration);
  if (problems.length) throw new UsageError(`scenario ${source}: ${problems.join('; ')}`);
  return {
    scenario: { name: scenario.name, description: scenario.description, source },
    variants: scenario.backends,
    load: { ...load, durationMs: duration, timeoutMs: timeout, slowMs: slow },
    topology: scenario.topology,
    provider: parseProvider(flags.provider),
    imageSet: parseChoice('--image-set', flags.imageSet, IMAGE_SETS, 'official'),
    dockerNetwork: parseChoice('--docker-network', flags.dockerNetwork, DOCKER_NETWORKS, 'bridge'),
    targets: parseTargets(flags.targets ?? []),
    faults,
    // Long enough that no session expires during the run; under 30 days because
    // memcached reads a longer expiry as a Unix timestamp.
    sessionTtlMs: Math.min(Math.max(3_600_000, 4 * duration), 29 * 86_400_000),
    thresholds: scenario.thresholds,
  };
}

function parseProvider(value: string | undefined): ProviderName {
  if (value === undefined) return 'auto';
  if ((PROVIDER_NAMES as readonly string[]).includes(value)) return value as ProviderName;
  throw new UsageError(
    `--provider ${JSON.stringify(value)} is not known; allowed: ${PROVIDER_NAMES.join(', ')}`,
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
  throw new UsageError(
    `${flag} ${JSON.stringify(value)} is not known; allowed: ${allowed.join(', ')}`,
  );
}

/** `--target redis=redis://127.0.0.1:6379` (repeatable; several per backend make a pool). */
function parseTargets(specs: string[]): Record<string, string[]> {
  const targets: Record<string, string[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) {
      throw new UsageError(
        `--target ${JSON.stringify(spec)} is malformed: expected backend=URL, e.g. redis=redis://127.0.0.1:6379`,
      );
    }
    (targets[spec.slice(0, eq)] ??= []).push(spec.slice(eq + 1));
  }
  return targets;
}
