import type { z } from 'zod';
import {
  appSchema,
  faultSchema,
  loadSchema,
  neighborSchema,
  scenarioSchema,
  topologySchema,
} from './schema.js';

/** The flag that sets each scenario field, so an error names what the user typed. */
export const FLAG_FOR_PATH: Record<string, string> = {
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
  'topology.mysqlDetection': '--mysql-detection',
  'topology.semiSyncTimeout': '--semi-sync-timeout',
  'topology.galeraSst': '--galera-sst',
  'load.capacity.slo': '--slo',
  'load.capacity.stepFactor': '--step-factor',
  'load.capacity.stepDuration': '--step-duration',
  'load.capacity.bisections': '--bisections',
  backends: '--backends',
  'app.flavour': '--app',
  'app.url': '--app-url',
  'app.command': '--app-command',
};

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
export function quoted(value: unknown): string {
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
export type FaultSource = (entry: number) => string;

/** The part of a fault's source that names a flag or the file, for "field (flag)". */
const faultFlag = (source: string) => (source.startsWith('--') ? source : 'scenario file');

/** "scenario x.yaml is invalid: load.rateRps (--rate): Too small ..., got -5", one line per issue. */
export function describeIssues(
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
