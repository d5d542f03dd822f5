import { UsageError } from '../errors.js';
import { parseDurationMs } from './duration.js';
import { FAULT_ACTIONS, FAULT_TARGET_HELP, STREAMS, type FaultInput } from './schema.js';

const FAULT_SPEC = /^([a-z]+):([a-z0-9]+)@([^:]+)(?::([^:]+))?(?::(.+))?$/;

export const FAULT_SPEC_HELP =
  '<action>:<target>@<at>[:<duration>[:<parameter>[:<stream>]]], e.g. kill:app@3s, pause:app@4s:1s, ' +
  'latency:store@10s:10s:200ms (or :50ms~30ms with jitter), bandwidth:store@10s:10s:64KB ' +
  '(stream: downstream, the default, upstream or both) ' +
  `(actions: ${FAULT_ACTIONS.join(', ')}; targets: ${FAULT_TARGET_HELP})`;

const LATENCY_FORMS = '200ms, or 50ms~30ms for 50 ms ± 30 ms jitter';
const RATE_FORMS = 'bytes per second as 512B, 64KB or 2MB (1 KB = 1024 B)';
const RATE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * Turns `--fault pause:app@4s:1s` into the same shape a scenario file uses, so
 * one schema validates both. Only the outer syntax, and the form of a network
 * fault's parameter, are checked here.
 */
export function parseFaultSpec(spec: string): FaultInput {
  const match = FAULT_SPEC.exec(spec.trim());
  if (!match) {
    throw new UsageError(
      `--fault ${JSON.stringify(spec)} is malformed: expected ${FAULT_SPEC_HELP}`,
    );
  }
  const [, action, target, at, duration, parameter] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
    string?,
  ];
  const fault: Record<string, string | number> = { action, target, at };
  if (duration !== undefined) fault.duration = duration;
  if (parameter !== undefined) Object.assign(fault, parameterFields(spec, action, parameter));
  return fault as unknown as FaultInput;
}

/** `200ms` / `50ms~30ms` → latencyMs, jitterMs; `64KB` → rateBytesPerS; `:upstream` → stream. */
function parameterFields(
  spec: string,
  action: string,
  written: string,
): Record<string, number | string> {
  const [parameter = '', stream, ...extra] = written.split(':');
  if (extra.length || (stream !== undefined && !(STREAMS as readonly string[]).includes(stream))) {
    throw new UsageError(
      `--fault ${JSON.stringify(spec)}: stream ${JSON.stringify(written.slice(parameter.length + 1))} is not known; allowed: ${STREAMS.join(', ')}`,
    );
  }
  return { ...valueFields(spec, action, parameter), ...(stream ? { stream } : {}) };
}

function valueFields(spec: string, action: string, parameter: string): Record<string, number> {
  const bad = (allowed: string) =>
    new UsageError(
      `--fault ${JSON.stringify(spec)}: parameter ${JSON.stringify(parameter)} is not valid for ${action}; allowed: ${allowed}`,
    );
  if (action === 'latency') {
    const [latency, jitter, extra] = parameter.split('~');
    const latencyMs = parseDurationMs(latency ?? '');
    const jitterMs = jitter === undefined ? 0 : parseDurationMs(jitter);
    if (latencyMs === undefined || jitterMs === undefined || extra !== undefined)
      throw bad(LATENCY_FORMS);
    return jitter === undefined ? { latencyMs } : { latencyMs, jitterMs };
  }
  if (action === 'bandwidth') {
    const rate = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)(?:\/s)?$/i.exec(parameter);
    if (!rate) throw bad(RATE_FORMS);
    return { rateBytesPerS: Math.round(Number(rate[1]) * RATE_UNITS[rate[2]!.toLowerCase()]!) };
  }
  throw bad(
    'a parameter only after the duration of latency (200ms, 50ms~30ms) or bandwidth (64KB)',
  );
}
