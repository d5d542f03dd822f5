import type { FaultPlan } from '../config/planSchema.js';
import type { NetworkFaultAction } from '../config/schema.js';
import { throwIfInterrupted } from '../errors.js';
import { SkippedFault } from '../lifecycle/faultTarget.js';
import { sleep } from '../lifecycle/sleep.js';
import type { NetworkLink } from './faultProxy.js';
import type { Toxic } from './toxics.js';

/** The toxic a planned network fault puts on its link (reset has none: it is an act). */
export function toxicFor(
  plan: FaultPlan & { action: Exclude<NetworkFaultAction, 'reset'> },
): Toxic {
  switch (plan.action) {
    case 'latency':
      return {
        kind: 'latency',
        latencyMs: plan.latencyMs ?? 0,
        jitterMs: plan.jitterMs ?? 0,
        stream: plan.stream ?? 'downstream',
      };
    case 'bandwidth':
      return {
        kind: 'bandwidth',
        rateBytesPerS: plan.rateBytesPerS ?? 1,
        stream: plan.stream ?? 'downstream',
      };
    case 'partition':
      return { kind: 'partition' };
    case 'down':
      return { kind: 'down' };
  }
}

/**
 * One network fault on one link: `reset` RSTs what is open; the others hold their
 * toxic for the fault's duration (shorter if the run is interrupted), then clear it.
 * `onStarted` runs once the fault is in force (the runner counts users there).
 */
export async function runNetworkFault(
  link: NetworkLink,
  plan: FaultPlan & { action: NetworkFaultAction },
  onStarted: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  if (plan.action === 'reset') {
    await link.reset();
    return onStarted();
  }
  try {
    await link.set(toxicFor({ ...plan, action: plan.action }));
  } catch (err) {
    // A set that failed (a timeout, say) may still have been applied: heal it anyway.
    // A skipped fault touched nothing.
    if (!(err instanceof SkippedFault)) await link.clear().catch(() => undefined);
    throw err;
  }
  try {
    const counted = onStarted();
    await sleep(plan.durationMs ?? 0, signal);
    await counted;
  } finally {
    await link.clear();
  }
  // Cut short by an interrupt: not a fault that ran its course.
  throwIfInterrupted(signal, `during the ${plan.action} of ${link.name}`);
}
