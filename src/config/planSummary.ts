import { durabilityCaveat } from './compression.js';
import { formatDuration } from './duration.js';
import { faultSpecOf } from './faultSchedule.js';
import type { Plan } from './planSchema.js';

/** A variant as the estimate sees it: does a server start before the app? */
export interface PlannedVariant {
  id: string;
  server: boolean;
}

/**
 * Rough costs measured on the 2-core development machine (process provider): the
 * app starts in ~0.2 s, a server in 0.2-2 s (MariaDB's first start is the slowest),
 * a container a few seconds; warm-up and sweep take ~0.1 ms per user; stopping
 * everything well under a second.
 */
const COST_MS = { app: 500, server: 2000, container: 4000, perUser: 0.12, stop: 700 };

/** How long one variant of the plan takes from start to stop, about. */
export function estimateVariantMs(plan: Plan, variant: PlannedVariant): number {
  const server = !variant.server
    ? 0
    : plan.provider === 'process' || plan.provider === 'external'
      ? COST_MS.server
      : COST_MS.container;
  return (
    COST_MS.app + server + plan.load.users * COST_MS.perUser + plan.load.durationMs + COST_MS.stop
  );
}

export function estimateRunMs(plan: Plan, variants: readonly PlannedVariant[]): number {
  return variants.reduce((sum, v) => sum + estimateVariantMs(plan, v), 0);
}

function roundedDuration(ms: number): string {
  if (ms < 60_000) return `${Math.ceil(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.ceil((ms % 60_000) / 10_000) * 10;
  return seconds === 60 ? `${minutes + 1}m` : `${minutes}m${seconds ? `${seconds}s` : ''}`;
}

/**
 * What the run is about to do and about how long it takes, printed before anything
 * starts: the scenario, the load, the faults, the variants (with `choice`, a note on
 * how they were chosen), the estimate, then any warning and the durability caveat.
 */
/** "350 req/s", or for rate steps "350, 1050, 3500 req/s (5s each)". */
export function rateText(load: Pick<Plan['load'], 'rateRps' | 'rateSteps' | 'durationMs'>): string {
  if (!load.rateSteps) return `${load.rateRps} req/s`;
  const each = formatDuration(load.durationMs / load.rateSteps.length);
  return `${load.rateSteps.join(', ')} req/s (${each} each)`;
}

export function describePlan(
  plan: Plan,
  variants: readonly PlannedVariant[],
  choice: string,
): string {
  const { load } = plan;
  const rate =
    load.mode === 'saturation'
      ? `saturation (${load.connections} connections)`
      : load.capacity
        ? `capacity: steps from ${load.rateRps} req/s x${load.capacity.stepFactor}, then ` +
          `${load.capacity.bisections} bisection steps, SLO ${load.capacity.slo}`
        : `${load.curve === 'diurnal' ? 'a day around ' : ''}${rateText(load)}`;
  const pageViews = (load.parallel ?? 1) > 1 ? ` in page views of ${load.parallel}` : '';
  const faults = plan.faults.length ? plan.faults.map(faultSpecOf).join(', ') : 'none';
  const each = variants.length ? estimateRunMs(plan, variants) / variants.length : 0;
  const lines = [
    `plan: scenario ${plan.scenario.name}, ${rate}${pageViews}${load.capacity ? ', each step' : ' for'} ${formatDuration(load.durationMs)}, ` +
      `${load.users} users; faults: ${faults}`,
    `variants (${variants.length}): ${variants.map((v) => v.id).join(', ')}${choice ? ` (${choice})` : ''}`,
    load.capacity
      ? // How many steps a search takes depends on where the knee is: no figure is invented.
        `estimated time: per variant start, warm-up, sweep and stop, plus ` +
        `${formatDuration(load.durationMs)} and a 1s pause per step; a search from ` +
        `${load.rateRps} req/s takes one step per x${load.capacity.stepFactor} up to the knee, ` +
        `then ${load.capacity.bisections} bisection steps (more when a step lost to the generator is retried)`
      : `estimated time: about ${roundedDuration(estimateRunMs(plan, variants))} ` +
        `(~${roundedDuration(each)} per variant: start, warm-up, ${formatDuration(load.durationMs)} of load, sweep, stop)`,
    ...appLine(plan),
    ...(plan.warnings ?? []).map((w) => `warning: ${w}`),
  ];
  const caveat = durabilityCaveat(load);
  if (caveat) lines.push(`note: ${caveat}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The app under test, when it is not the builtin one: "app: express (resave=false)",
 * or the user's own: where, and whether session-bench runs it.
 */
function appLine(plan: Plan): string[] {
  const { flavour, options, url, command } = plan.app;
  if (url !== undefined) {
    const how = command !== undefined ? `started by session-bench: ${command}` : 'already running';
    return [`app: your own at ${url} (${how})`];
  }
  if (flavour === 'builtin') return [];
  const written = Object.entries(options).map(([key, value]) => `${key}=${value}`);
  return [`app: ${flavour}${written.length ? ` (${written.join(' ')})` : ''}`];
}

/** Under --quiet only the warnings are printed: they change what was asked. */
export function planWarnings(plan: Plan): string {
  return (plan.warnings ?? []).map((w) => `warning: ${w}\n`).join('');
}
