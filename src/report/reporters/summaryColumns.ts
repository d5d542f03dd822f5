import type { VariantResult } from '../../result/result.js';
import { errorsOf, msFromUs, serverLine, statusText } from './common.js';

/** One column of the per-variant summary that table, md and html print. */
export interface SummaryColumn {
  heading: string;
  /** 'r' for figures, 'l' for text. */
  align: 'l' | 'r';
  value(r: VariantResult): string | number;
}

export interface SummaryOptions {
  /** The server and provider of each variant (html; md lists versions above the table). */
  server?: boolean;
  /** Narrower heading and cells, for a terminal. */
  compact?: boolean;
}

/** The summary's columns, in order: one definition for every reporter that prints it. */
export function summaryColumns(options: SummaryOptions = {}): SummaryColumn[] {
  const { server = false, compact = false } = options;
  const figure = (heading: string, value: SummaryColumn['value']): SummaryColumn => ({
    heading,
    align: 'r',
    value,
  });
  return [
    { heading: 'variant', align: 'l', value: (r) => r.variant },
    figure('req/s', (r) => r.throughputRps.toFixed(0)),
    figure('p50 ms', (r) => msFromUs(r.latencyUs.p50)),
    figure('p99 ms', (r) => msFromUs(r.latencyUs.p99)),
    figure('p99.9 ms', (r) => msFromUs(r.latencyUs.p999)),
    figure('max ms', (r) => msFromUs(r.latencyUs.max)),
    figure('errors', errorsOf),
    figure('logged out', (r) =>
      compact
        ? `${r.audit.loggedOutUsers}/${r.users.total}`
        : `${r.audit.loggedOutUsers} / ${r.users.total}`,
    ),
    figure('login walls', (r) => r.audit.loginWallHits),
    figure(compact ? 'lost upd.' : 'lost updates', (r) => r.audit.lostUpdates),
    figure('resurrected', (r) => r.audit.resurrectedSessions),
    figure('wrong user', (r) => r.audit.wrongUserSessions),
    ...(server
      ? [
          {
            heading: 'server',
            align: 'l',
            value: (r: VariantResult) => `${serverLine(r)} (${r.provider})`,
          } satisfies SummaryColumn,
        ]
      : []),
    { heading: 'status', align: 'l', value: statusText },
  ];
}

/** Each variant's row of cells under `columns`. */
export const summaryRows = (columns: SummaryColumn[], results: VariantResult[]) =>
  results.map((r) => columns.map((c) => c.value(r)));
