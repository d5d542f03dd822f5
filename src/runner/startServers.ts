import type { Backend } from '../backends/backend.js';
import type { Plan } from '../config/planSchema.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { ProgressChannel } from '../lifecycle/progressChannel.js';
import type { Started } from '../providers/provider.js';
import { chooseProvider } from '../providers/registry.js';

export interface StartedServers {
  started: Started;
  /** Why this provider, and what `auto` skipped. */
  why: string;
  settings: Record<string, string>;
}

/** Starts a server backend's nodes with the chosen provider; they stop with the cleanup stack. */
export async function startServers(
  backend: Backend,
  variant: string,
  plan: Plan,
  ctx: {
    runId: string;
    workDir: string;
    events: EventLog;
    signal: AbortSignal;
    cleanup: CleanupStack;
    progress?: ProgressChannel;
  },
): Promise<StartedServers> {
  const spec = backend.serverSpec!(variant, { nodes: plan.topology.nodes });
  const { provider, why } = await chooseProvider(plan.provider, spec, plan);
  const started = await provider.start(spec, {
    runId: ctx.runId,
    workDir: ctx.workDir,
    events: ctx.events,
    signal: ctx.signal,
    ...(ctx.progress ? { progress: ctx.progress } : {}),
    options: plan,
  });
  ctx.cleanup.push('servers', () => started.stop());
  return { started, why, settings: spec.settings };
}
