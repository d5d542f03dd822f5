import type { EventLog } from '../lifecycle/eventLog.js';
import type { Roles } from '../lifecycle/faultTarget.js';
import { sleep } from '../lifecycle/sleep.js';

/** How often the topology is asked for the timeline's role events. */
const WATCH_INTERVAL_MS = 250;

/**
 * Runs `load` while recording an event each time a node's role changes (node1 `role`
 * "primary (was replica)"), from the load's start until it ends, faults or not: the
 * timeline shows which node was primary when, a node rejoining after the last fault too.
 */
export async function withRoleTimeline<T>(
  roles: Roles | undefined,
  events: EventLog,
  load: () => Promise<T>,
): Promise<T> {
  if (!roles) return load();
  const stop = new AbortController();
  const watched = watchRoles(roles, events, stop.signal);
  try {
    return await load();
  } finally {
    stop.abort();
    await watched;
  }
}

async function watchRoles(roles: Roles, events: EventLog, signal: AbortSignal): Promise<void> {
  const last = new Map<string, string>();
  while (!signal.aborted) {
    const now = await roles.roleMap().catch(() => ({}) as Record<string, string>);
    // An answer that comes after the load ended is not part of its timeline.
    if (signal.aborted) return;
    for (const [node, role] of Object.entries(now)) {
      const was = last.get(node);
      if (role === was) continue;
      events.record(node, 'role', was ? `${role} (was ${was})` : role);
      last.set(node, role);
    }
    await sleep(WATCH_INTERVAL_MS, signal);
  }
}
