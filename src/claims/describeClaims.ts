import type { Plan } from '../config/planSchema.js';
import { claimRun } from './claimPlans.js';

/** What `--scenario claims` is about to run, printed before it starts: one line per claim. */
export function describeClaims(plan: Plan): string {
  const lines = (plan.claims ?? []).map((id) => {
    const run = claimRun(id, plan);
    return `  ${id}: "${run.claim}": ${run.setup}`;
  });
  return `plan: scenario ${plan.scenario.name}, ${lines.length} claim(s), one run each:\n${lines.join('\n')}\n`;
}
