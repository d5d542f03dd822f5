import type { NeighborPhaseResult, VariantResult } from '../../result/result.js';
import { msFromUs } from './common.js';

/** The neighbour table's columns, shared by text, md and html. */
export const NEIGHBOR_COLUMNS = [
  'variant',
  'neighbour',
  'ops/s',
  'p50',
  'p99',
  'p99 vs alone',
  'errors',
  'late',
];
export const NEIGHBOR_ALIGN = 'llrrrrrr';

const phaseName = (p: NeighborPhaseResult) =>
  p.phase === 'beside' ? `beside ${p.sessionRateRps} req/s` : 'alone';

/** "×2.4" against the baseline's p99; "-" for the baseline itself or without one. */
function versusAlone(p: NeighborPhaseResult, alone: NeighborPhaseResult | undefined): string {
  if (p.phase === 'alone' || !alone || alone.latencyUs.p99 === 0 || p.operations === 0) return '-';
  return `×${(p.latencyUs.p99 / alone.latencyUs.p99).toFixed(1)}`;
}

/**
 * One row per measured phase of each variant's neighbour workload: alone (its
 * baseline), then beside each session rate; a neighbour that did not run says why.
 */
export function neighborRows(results: readonly VariantResult[]): string[][] {
  return results.flatMap((r) => {
    const n = r.neighbor;
    if (!n) return [];
    if (n.status !== 'done')
      return [[r.variant, `${n.status}: ${n.reason ?? ''}`, '', '', '', '', '', '']];
    const alone = n.phases.find((p) => p.phase === 'alone');
    return n.phases
      .filter((p) => p.phase === 'alone' || p.phase === 'beside')
      .map((p) => [
        r.variant,
        phaseName(p),
        p.durationMs > 0 ? String(Math.round((p.operations * 1000) / p.durationMs)) : '-',
        p.operations ? msFromUs(p.latencyUs.p50) : '-',
        p.operations ? msFromUs(p.latencyUs.p99) : '-',
        versusAlone(p, alone),
        String(p.errors),
        String(p.late),
      ]);
  });
}

/** What the neighbour did, once per variant that ran one. */
export function neighborNotes(results: readonly VariantResult[]): string[] {
  return results
    .filter((r) => r.neighbor?.status === 'done' && r.neighbor.description)
    .map(
      (r) =>
        `${r.variant} neighbour (${r.neighbor!.workload}, ${r.neighbor!.rateRps} ops/s): ${r.neighbor!.description}`,
    );
}

export const NEIGHBOR_LEGEND =
  "The database's other work on the same server, open loop from its own process; latency in ms from each operation's intended time. " +
  'alone: before any session traffic; beside: while the session load ran at that rate.';
