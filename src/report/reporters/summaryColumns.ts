import type { VariantResult } from '../../result/result.js';
import {
  appCell,
  appPackagesText,
  errorsOf,
  lossCell,
  measured,
  msFromUs,
  serverLine,
  statusText,
  statusWord,
} from './common.js';
import { groupOf, type NotMeasuredGroup } from './notMeasured.js';

/** One column of the per-variant summary that table, md and html print. */
export interface SummaryColumn {
  heading: string;
  /** 'r' for figures, 'l' for text. */
  align: 'l' | 'r';
  value(r: VariantResult): string | number;
  /** True when the cell shows a loss a reader must not miss. */
  loss?(r: VariantResult): boolean;
}

export interface SummaryOptions {
  /** The server and provider, and the app's packages, of each variant (html; md lists them above the table). */
  server?: boolean;
  /**
   * The app column (flavour and options). Every table but the narrow terminal one has
   * it; that one shows the run's app in its heading unless the variants' apps differ.
   */
  app?: boolean;
  /** Narrower heading and cells, for a terminal. */
  compact?: boolean;
  /** The 80-column terminal summary: the figures that matter, units in the legend. */
  narrow?: boolean;
  /**
   * With the not-measured groups, a skipped or failed variant's status cell refers to
   * its group's note ("skipped [1]") instead of carrying the whole reason.
   */
  notes?: readonly NotMeasuredGroup[];
  /** How a status cell refers to note n: "[1]" (md) or "¹" (terminal). */
  noteRef?: (n: number) => string;
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** "¹", "¹²": a note reference one column wide per digit. */
export const superscript = (n: number) =>
  [...String(n)].map((d) => SUPERSCRIPT[Number(d)]).join('');

/** The summary's columns, in order: one definition for every reporter that prints it. */
export function summaryColumns(options: SummaryOptions = {}): SummaryColumn[] {
  const { server = false, narrow = false, notes } = options;
  const app: SummaryColumn[] =
    (options.app ?? !narrow) ? [{ heading: 'app', align: 'l', value: appCell }] : [];
  const compact = options.compact ?? narrow;
  const noteRef = options.noteRef ?? ((n: number) => ` [${n}]`);
  // A variant that was not measured has no figures: a dash, never a 0.
  const figure = (
    heading: string,
    value: SummaryColumn['value'],
    loss?: SummaryColumn['loss'],
  ): SummaryColumn => ({
    heading,
    align: 'r',
    value: (r) => (measured(r) ? value(r) : '—'),
    ...(loss ? { loss: (r: VariantResult) => measured(r) && loss(r) } : {}),
  });
  const loggedOut = figure(
    'logged out',
    (r) => lossCell(r, 'loggedOutUsers', !compact).text,
    (r) => lossCell(r, 'loggedOutUsers').loss,
  );
  const lostUpdates = figure(
    compact ? 'lost upd.' : 'lost updates',
    (r) => lossCell(r, 'lostUpdates').text,
    (r) => r.audit.lostUpdates > 0,
  );
  const status: SummaryColumn = {
    heading: 'status',
    align: 'l',
    value: (r) => {
      if (!notes) return r.status === 'completed' ? statusWord(r) : statusText(r);
      const group = groupOf(notes, r.variant);
      return group ? `${r.status}${noteRef(group.number)}` : statusWord(r);
    },
  };
  const variant: SummaryColumn = { heading: 'variant', align: 'l', value: (r) => r.variant };
  if (narrow) {
    return [
      variant,
      ...app,
      figure('req/s', (r) => r.throughputRps.toFixed(0)),
      figure('p50', (r) => msFromUs(r.latencyUs.p50)),
      figure('p99', (r) => msFromUs(r.latencyUs.p99)),
      figure('errors', errorsOf),
      loggedOut,
      lostUpdates,
      status,
    ];
  }
  return [
    variant,
    ...app,
    figure('req/s', (r) => r.throughputRps.toFixed(0)),
    figure('p50 ms', (r) => msFromUs(r.latencyUs.p50)),
    figure('p99 ms', (r) => msFromUs(r.latencyUs.p99)),
    figure('p99.9 ms', (r) => msFromUs(r.latencyUs.p999)),
    figure('max ms', (r) => msFromUs(r.latencyUs.max)),
    figure('errors', errorsOf),
    loggedOut,
    figure('login walls', (r) => r.audit.loginWallHits),
    lostUpdates,
    figure(
      'resurrected',
      (r) => r.audit.resurrectedSessions,
      (r) => r.audit.resurrectedSessions > 0,
    ),
    figure(
      'wrong user',
      (r) => r.audit.wrongUserSessions,
      (r) => r.audit.wrongUserSessions > 0,
    ),
    // Not a loss: requests without an answer, which may or may not have applied. A
    // result written before they were counted shows a dash.
    figure('indeterminate', (r) => r.audit.indeterminate ?? '—'),
    ...(server
      ? [
          {
            heading: 'server',
            align: 'l',
            value: (r: VariantResult) => `${serverLine(r)} (${r.provider})`,
          } satisfies SummaryColumn,
          {
            heading: 'packages',
            align: 'l',
            value: (r: VariantResult) => appPackagesText(r) || '—',
          } satisfies SummaryColumn,
        ]
      : []),
    status,
  ];
}

/** Each variant's row of cells under `columns`. */
export const summaryRows = (columns: SummaryColumn[], results: VariantResult[]) =>
  results.map((r) => columns.map((c) => c.value(r)));
