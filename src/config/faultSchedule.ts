import { isNetworkAction, type Fault } from './schema.js';
import type { FaultPlan } from './planSchema.js';
import { formatDuration } from './duration.js';
import { seededRandom } from '../random.js';

/** Random fault times fall in this share of the load, clear of its start and end. */
const RANDOM_FROM = 0.1;
const RANDOM_TO = 0.9;

/** One fault a run fires, with the index of the scenario or flag entry it came from. */
export interface ScheduledFault {
  plan: FaultPlan;
  entry: number;
}

/**
 * Turns the scenario's fault entries into the concrete, time-ordered list a run
 * fires: `every` + `count` repeat an entry, `at: random` draws `count` times from
 * the seed, so the same seed always gives the same schedule.
 */
export function expandFaults(faults: Fault[], durationMs: number, seed: number): ScheduledFault[] {
  const random = seededRandom(seed ^ 0xfa017);
  const scheduled: ScheduledFault[] = [];
  faults.forEach((fault, entry) => {
    for (let k = 0; k < fault.count; k++) {
      const atMs =
        fault.at === 'random'
          ? Math.round(durationMs * (RANDOM_FROM + (RANDOM_TO - RANDOM_FROM) * random()))
          : fault.at + k * (fault.every ?? 0);
      const plan: FaultPlan = {
        atMs,
        action: fault.action,
        target: fault.target,
        ...(fault.duration !== undefined ? { durationMs: fault.duration } : {}),
        ...(fault.latencyMs !== undefined ? { latencyMs: fault.latencyMs } : {}),
        ...(fault.jitterMs !== undefined ? { jitterMs: fault.jitterMs } : {}),
        ...(fault.rateBytesPerS !== undefined ? { rateBytesPerS: fault.rateBytesPerS } : {}),
        ...(fault.stream !== undefined ? { stream: fault.stream } : {}),
      };
      scheduled.push({ plan, entry });
    }
  });
  return scheduled.sort((a, b) => a.plan.atMs - b.plan.atMs);
}

/** `pause:app@4s:1s`, the way --fault writes it. */
export function faultSpecOf(plan: FaultPlan): string {
  const duration = plan.durationMs !== undefined ? `:${formatDuration(plan.durationMs)}` : '';
  const parameter = faultParameterOf(plan);
  return `${plan.action}:${plan.target}@${formatDuration(plan.atMs)}${duration}${parameter ? `:${parameter}` : ''}`;
}

/** A network fault's parameter as --fault writes it: `200ms`, `50ms~30ms`, `64KB`. */
export function faultParameterOf(plan: FaultPlan): string | undefined {
  const stream = plan.stream && plan.stream !== 'downstream' ? `:${plan.stream}` : '';
  if (plan.latencyMs !== undefined) {
    const jitter = plan.jitterMs ? `~${formatDuration(plan.jitterMs)}` : '';
    return `${formatDuration(plan.latencyMs)}${jitter}${stream}`;
  }
  if (plan.rateBytesPerS !== undefined) {
    const kb = plan.rateBytesPerS / 1024;
    return `${Number.isInteger(kb) ? `${kb}KB` : `${plan.rateBytesPerS}B`}${stream}`;
  }
  return undefined;
}

/** A planned fault that starts or ends after the load has ended; undefined when it fits. */
export function outsideTheLoad(plan: FaultPlan, durationMs: number): string | undefined {
  const endMs = plan.atMs + (plan.durationMs ?? 0);
  if (plan.atMs < durationMs && endMs <= durationMs) return undefined;
  const when =
    plan.atMs >= durationMs
      ? `fires at ${formatDuration(plan.atMs)}`
      : `ends at ${formatDuration(endMs)}`;
  return `${when}, after the load ends at ${formatDuration(durationMs)}`;
}

/** Entries whose `count` repeats nothing: they need `every` or `at: random`. */
export function repeatProblems(faults: Fault[], where: (entry: number) => string): string[] {
  const problems: string[] = [];
  faults.forEach((fault, i) => {
    if (fault.count > 1 && fault.at !== 'random' && fault.every === undefined) {
      problems.push(`${where(i)}: count ${fault.count} needs every (how far apart) or at: random`);
    }
  });
  return problems;
}

/**
 * Targets that name an instance the topology does not have (`app7` with one app,
 * `node5` with one node per server): the allowed names, when wrong.
 */
export function targetProblem(
  target: string,
  topology: { appInstances: number; nodes: number },
): string | undefined {
  const match = /^(app|node)(\d+)$/.exec(target);
  if (!match) return undefined;
  const [, kind, digits] = match as unknown as [string, 'app' | 'node', string];
  const have = kind === 'app' ? topology.appInstances : topology.nodes;
  if (Number(digits) < have && digits.length < 4) return undefined;
  const names = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(', ');
  const allowed = [
    'app',
    names('app', topology.appInstances),
    names('node', topology.nodes),
    'store, all, random',
  ].join(', ');
  const what =
    kind === 'app'
      ? `${topology.appInstances} app instance${topology.appInstances === 1 ? '' : 's'} (topology.appInstances)`
      : `${topology.nodes} node${topology.nodes === 1 ? '' : 's'} per server (--nodes)`;
  const shown = target.length > 12 ? `${target.slice(0, 12)}…` : target;
  return `no ${shown} in this run: it has ${what}; targets: ${allowed}`;
}

/**
 * Network faults whose windows overlap on links they may share: a link carries one
 * toxic at a time, so the second would replace the first and the first's end would
 * clear the second. Two distinct `node<i>` targets never share a link; any other pair
 * (store, all, random, the same node) may.
 */
export function overlapProblems(faults: FaultPlan[]): string[] {
  const network = faults.filter((f) => isNetworkAction(f.action) && f.action !== 'reset');
  const problems: string[] = [];
  network.forEach((a, i) => {
    for (const b of network.slice(i + 1)) {
      const distinctNodes = /^node\d+$/.test(a.target) && /^node\d+$/.test(b.target);
      if (distinctNodes && a.target !== b.target) continue;
      const [first, second] = a.atMs <= b.atMs ? [a, b] : [b, a];
      if (second.atMs < first.atMs + (first.durationMs ?? 0)) {
        problems.push(
          `network faults ${faultSpecOf(first)} and ${faultSpecOf(second)} overlap on one link ` +
            '(a link carries one at a time): let one end before the next starts',
        );
      }
    }
  });
  return problems;
}
