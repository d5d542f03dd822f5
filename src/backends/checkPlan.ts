import type { Plan } from '../config/planSchema.js';
import type { PlannedVariant } from '../config/planSummary.js';
import { isNetworkAction } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { allVariants, backendOf, selectVariants, type VariantSelection } from './registry.js';

export interface CheckedVariants extends VariantSelection {
  /** Each variant with whether a server starts for it (for the time estimate). */
  planned: PlannedVariant[];
  /** How the variants were chosen, for the plan line. */
  note: string;
}

/**
 * What the backends can tell about a plan before anything starts: unknown variants,
 * a topology a listed variant cannot run (mysql with --nodes 3), node faults in a run
 * whose stores have no nodes. All usage errors (exit 2).
 */
export function checkPlanVariants(plan: Plan): CheckedVariants {
  const selection = selectVariants(plan.variants);
  const backends = selection.ids.map((id) => ({ id, backend: backendOf(id) }));
  if (selection.chosen === 'listed') {
    // Building the spec is where a backend refuses a topology; nothing is started.
    for (const { id, backend } of backends) {
      backend.serverSpec?.(id, { nodes: plan.topology.nodes });
    }
  }
  const servers = backends.filter((b) => b.backend.kind === 'server');
  const nodeFault = plan.faults.find((f) => /^node\d+$/.test(f.target));
  if (nodeFault && servers.length === 0) {
    throw new UsageError(
      `fault ${nodeFault.action}:${nodeFault.target}: ${selection.ids.join(', ')} ` +
        `${selection.ids.length === 1 ? 'keeps' : 'keep'} sessions in the app, with no server node; ` +
        'target store, all, random (the app for embedded stores) or app<i>',
    );
  }
  refuseNetworkFaultsWithoutLink(plan, selection.chosen, backends);
  const total = allVariants().length;
  const note =
    selection.chosen === 'default'
      ? `the default configuration of each backend; --backends all runs all ${total} variants`
      : selection.chosen === 'all'
        ? 'every variant; those that cannot run here are skipped'
        : '';
  const planned = backends.map(({ id, backend }) => ({ id, server: backend.kind === 'server' }));
  return { ...selection, planned, note };
}

/**
 * A network fault acts on the link between the app and a store node: embedded stores
 * (memory, disk, cookie) have none. Listed, they are refused; chosen by default or
 * `all`, they run and their fault is reported as skipped with the reason.
 */
function refuseNetworkFaultsWithoutLink(
  plan: Plan,
  chosen: VariantSelection['chosen'],
  backends: { id: string; backend: { kind: string } }[],
): void {
  const fault = plan.faults.find((f) => isNetworkAction(f.action));
  if (!fault) return;
  const embedded = backends.filter((b) => b.backend.kind !== 'server').map((b) => b.id);
  const servers = backends.length - embedded.length;
  if (embedded.length === 0 || (chosen !== 'listed' && servers > 0)) return;
  throw new UsageError(
    `fault ${fault.action}:${fault.target}: ${embedded.join(', ')} ` +
      `${embedded.length === 1 ? 'keeps' : 'keep'} sessions in the app, with no store link to fault; ` +
      'network faults (latency, partition, reset, down, bandwidth) need a server backend: redis, memcached, mysql, postgres',
  );
}
