import type { Plan } from '../config/planSchema.js';
import type { PlannedVariant } from '../config/planSummary.js';
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
