import type { Fault } from './schema.js';
import type { FaultPlan } from './planSchema.js';
import { seededRandom } from '../random.js';

/** Random fault times fall in this share of the load, clear of its start and end. */
const RANDOM_FROM = 0.1;
const RANDOM_TO = 0.9;

/**
 * Turns the scenario's fault entries into the concrete, time-ordered list a run
 * fires: `every` + `count` repeat an entry, `at: random` draws `count` times from
 * the seed, so the same seed always gives the same schedule.
 */
export function expandFaults(faults: Fault[], durationMs: number, seed: number): FaultPlan[] {
  const random = seededRandom(seed ^ 0xfa017);
  const plans: FaultPlan[] = [];
  for (const fault of faults) {
    for (let k = 0; k < fault.count; k++) {
      const atMs =
        fault.at === 'random'
          ? Math.round(durationMs * (RANDOM_FROM + (RANDOM_TO - RANDOM_FROM) * random()))
          : fault.at + k * (fault.every ?? 0);
      plans.push({
        atMs,
        action: fault.action,
        target: fault.target,
        ...(fault.duration !== undefined ? { durationMs: fault.duration } : {}),
      });
    }
  }
  return plans.sort((a, b) => a.atMs - b.atMs);
}

/** Problems with a schedule that the schema alone cannot see; empty when fine. */
export function scheduleProblems(
  faults: Fault[],
  plans: FaultPlan[],
  durationMs: number,
): string[] {
  const problems: string[] = [];
  faults.forEach((fault, i) => {
    if (fault.count > 1 && fault.at !== 'random' && fault.every === undefined) {
      problems.push(`faults.${i}: count ${fault.count} needs every (how far apart) or at: random`);
    }
  });
  for (const plan of plans) {
    const endMs = plan.atMs + (plan.durationMs ?? 0);
    if (endMs > durationMs) {
      problems.push(
        `${plan.action}:${plan.target} ends at ${endMs} ms, after the load (load.duration = ${durationMs} ms); ` +
          'move it earlier or make the run longer',
      );
    }
  }
  return problems;
}
