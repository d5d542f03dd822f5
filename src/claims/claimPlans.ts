import { formatDuration } from '../config/duration.js';
import type { FaultPlan, Plan } from '../config/planSchema.js';
import type { ClaimId } from '../config/schema.js';

/** The neighbour workload claim 3 runs when the scenario does not set one. */
const DEFAULT_NEIGHBOR: NonNullable<Plan['neighbor']> = {
  workload: 'oltp',
  rateRps: 200,
  rows: 10_000,
  updateShare: 0.2,
  baselineMs: 5_000,
};

/** 1x, 3x and 10x the scenario's rate (the 10M/day peak, 350 req/s, in the claims scenario). */
export const PEAK_MULTIPLES = [1, 3, 10];

/** Which words the post used, and the run that answers them. */
export interface ClaimRun {
  id: ClaimId;
  claim: string;
  plan: Plan;
  /** A second run the claim needs: capacity mode on the same variants (its knee). */
  capacityPlan?: Plan;
  /** One sentence: what this run does. */
  setup: string;
}

/** The knee search claim 3 runs beside the neighbour run: p99 under 50 ms, steps from the peak. */
function kneeSearch(base: Plan, variants: string[]): Plan {
  const stepMs = Math.max(1_000, Math.round(base.load.durationMs / 4));
  return derive(base, {
    variants,
    load: {
      mode: 'capacity',
      durationMs: stepMs,
      capacity: { slo: 'p99<50ms', stepFactor: 2, stepMs, bisections: 2 },
    },
  });
}

const fault = (atMs: number, action: FaultPlan['action']): FaultPlan => ({
  atMs: Math.round(atMs),
  action,
  target: 'store',
});

/** The same plan with other variants, topology, faults or load; nothing else changes. */
function derive(
  base: Plan,
  change: Partial<Omit<Plan, 'load'>> & { load?: Partial<Plan['load']> },
): Plan {
  const { load, ...rest } = change;
  const plan: Plan = {
    ...base,
    faults: [],
    neighbor: undefined,
    claims: undefined,
    ...rest,
    load: { ...base.load, rateSteps: undefined, ...load },
  };
  if (!plan.neighbor) delete plan.neighbor;
  delete plan.claims;
  if (!plan.load.rateSteps) delete plan.load.rateSteps;
  return plan;
}

/** The run behind each claim, from the claims scenario's load (--duration etc. already applied). */
export function claimRun(id: ClaimId, base: Plan): ClaimRun {
  const { durationMs, rateRps } = base.load;
  const at = (share: number) => formatDuration(Math.round(durationMs * share));
  switch (id) {
    case 'disk-scale':
      return {
        id,
        claim: "disk won't scale",
        plan: derive(base, {
          variants: ['disk', 'redis'],
          topology: { ...base.topology, appInstances: 2 },
        }),
        setup: `disk and redis (a store the app instances share) behind 2 app instances with a round-robin balancer and no sticky sessions, ${rateRps} req/s for ${formatDuration(durationMs)}, no fault`,
      };
    case 'memcached-restart':
      return {
        id,
        claim: 'a memcached restart logs every user out',
        plan: derive(base, {
          variants: ['memcached', 'memcached:warm'],
          faults: [fault(durationMs * 0.5, 'restart')],
        }),
        setup: `memcached and memcached:warm, a graceful restart of the store at ${at(0.5)}, ${rateRps} req/s`,
      };
    case 'rdb-hotspot': {
      const steps = PEAK_MULTIPLES.map((m) => m * rateRps);
      return {
        id,
        claim:
          "with 10 million requests a day an RDB's sessions table becomes a bottleneck that slows the database's other work",
        plan: derive(base, {
          variants: ['mysql', 'postgres'],
          neighbor: base.neighbor ?? DEFAULT_NEIGHBOR,
          load: { rateSteps: steps, rateRps: steps.reduce((a, b) => a + b, 0) / steps.length },
        }),
        capacityPlan: kneeSearch(base, ['mysql', 'postgres']),
        setup: `mysql and postgres with a neighbour workload (the database's other work) alone, then beside the session load at ${steps.join(', ')} req/s (${PEAK_MULTIPLES.map((m) => `${m}x`).join(', ')} the peak), ${formatDuration(durationMs / steps.length)} each; then a capacity search (p99<50ms, steps from ${rateRps} req/s) for each one's knee`,
      };
    }
    case 'redis-persistence':
      return {
        id,
        claim: 'Redis persists only a little',
        plan: derive(base, {
          variants: ['redis', 'redis:none', 'redis:rdb', 'redis:aof-everysec', 'redis:aof-always'],
          faults: [fault(durationMs * 0.3, 'restart'), fault(durationMs * 0.7, 'kill')],
        }),
        setup: `every Redis persistence variant, a graceful restart of the store at ${at(0.3)} and a kill (SIGKILL) at ${at(0.7)}, ${rateRps} req/s`,
      };
  }
}
