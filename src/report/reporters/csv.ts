import { worstFault } from '../metrics.js';
import type { RunResult, VariantResult } from '../../result/result.js';
import {
  appFlavour,
  appOptionsText,
  appPackagesText,
  faultCoverage,
  faultName,
  measured,
} from './common.js';
import { safeText } from './text.js';

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
 * Other control characters are written visibly: `cat runs.csv` must not drive the terminal.
 */
const field = (value: string | number | null | undefined): string => {
  const text = value === null || value === undefined ? '' : safeText(value, 'newlines');
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const csv = (rows: (string | number | null | undefined)[][]) =>
  rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';

/** Worst of a figure over the faults that happened; empty without faults. */
function worst(r: VariantResult, key: 'unavailableMs' | 'recoveryMs'): number | string {
  const value = worstFault(r, key);
  return value === undefined ? '' : value === Number.POSITIVE_INFINITY ? 'never' : value;
}

const SUMMARY_COLUMNS: [string, (r: VariantResult, result: RunResult) => string | number | null][] =
  [
    ['runId', (_r, result) => result.runId],
    ['scenario', (_r, result) => result.scenario.scenario.name],
    ['variant', (r) => r.variant],
    ['backend', (r) => r.backend],
    ['provider', (r) => r.provider],
    ['server', (r) => (r.server ? `${r.server.name} ${r.server.version}` : '')],
    ['status', (r) => r.status],
    ['mode', (r) => r.mode],
    ['requests', (r) => r.requests.total],
    ['ok', (r) => r.requests.ok],
    ['errors', (r) => r.requests.errors],
    ['timeouts', (r) => r.requests.timeouts],
    ['notSent', (r) => r.requests.notSent ?? ''],
    ['late', (r) => r.requests.late],
    ['throughputRps', (r) => r.throughputRps],
    ['p50Us', (r) => r.latencyUs.p50],
    ['p90Us', (r) => r.latencyUs.p90],
    ['p99Us', (r) => r.latencyUs.p99],
    ['p999Us', (r) => r.latencyUs.p999],
    ['maxUs', (r) => r.latencyUs.max],
    ['users', (r) => r.users.total],
    ['loggedOutUsers', (r) => r.audit.loggedOutUsers],
    ['loginWallHits', (r) => r.audit.loginWallHits],
    ['lostUpdates', (r) => r.audit.lostUpdates],
    ['resurrectedSessions', (r) => r.audit.resurrectedSessions],
    ['wrongUserSessions', (r) => r.audit.wrongUserSessions],
    ['unverifiedUsers', (r) => r.audit.unverifiedUsers],
    ['faults', (r) => r.faults.map((f) => `${faultName(f)}@${f.startedMs ?? f.atMs}ms`).join(' ')],
    // "no fault": faults were planned and none ran, so the loss columns are not survival.
    [
      'faultStatus',
      (r) => (r.status === 'completed' || r.status === 'aborted' ? faultCoverage(r) : ''),
    ],
    ['worstUnavailableMs', (r) => worst(r, 'unavailableMs')],
    ['worstRecoveryMs', (r) => worst(r, 'recoveryMs')],
    // Added after the older figures (a reader by position still finds those); the reason stays last.
    // completed / aborted / partial: a partial run's rows are not the whole run.
    ['runStatus', (_r, result) => result.status],
    // A stall, an unplanned death or a caveat: the figures of this row are not clean.
    ['stalledAtMs', (r) => r.stalled?.atMs ?? ''],
    ['stalledForMs', (r) => r.stalled?.forMs ?? ''],
    [
      'unexpectedExits',
      (r) => (r.unexpectedExits ?? []).map((e) => `${e.target}@${e.tMs}ms`).join(' '),
    ],
    ['durabilityCaveat', (r) => r.durabilityCaveat ?? ''],
    // Empty in results written before indeterminate requests were counted.
    ['indeterminate', (r) => r.audit.indeterminate ?? ''],
    // Empty in results written before stale reads were counted.
    ['staleReads', (r) => r.audit.staleReads ?? ''],
    // The app under test: flavour, middleware options as written, packages with versions.
    ['app', (r) => appFlavour(r)],
    ['appOptions', (r) => appOptionsText(r.app?.options)],
    ['appPackages', (r) => appPackagesText(r)],
    // --scenario claims: which claim the row's run answers (its verdict is in the JSON and md).
    ['claim', (r) => r.claim ?? ''],
    ['reason', (r) => r.reason ?? ''],
  ];

/** Columns that describe a variant rather than measure it: filled even when it did not run. */
const DESCRIPTIVE = new Set([
  'runId',
  'scenario',
  'runStatus',
  'variant',
  'backend',
  'provider',
  'server',
  'status',
  'mode',
  'faults',
  'faultStatus',
  'unexpectedExits',
  'durabilityCaveat',
  'app',
  'appOptions',
  'appPackages',
  'reason',
]);

/**
 * One row per variant: the figures of the summary table, raw (µs, counts). A variant
 * that was not measured (skipped, failed before its load) has empty figures, not zeros.
 */
export function renderCsv(result: RunResult): string {
  return csv([
    SUMMARY_COLUMNS.map(([name]) => name),
    ...result.results.map((r) =>
      SUMMARY_COLUMNS.map(([name, value]) =>
        measured(r) || DESCRIPTIVE.has(name) ? value(r, result) : '',
      ),
    ),
  ]);
}

/**
 * One row per variant per second of the load phase. `faults` names the faults that
 * began in that second; `faultActive` is 1 while a fault was in effect.
 */
export function renderTimelineCsv(result: RunResult): string {
  const rows: (string | number)[][] = [
    ['variant', 'tMs', 'rps', 'p99Us', 'errors', 'loginWallHits', 'faults', 'faultActive'],
  ];
  for (const r of result.results) {
    for (const p of r.timeline) {
      const inSecond = (ms: number | null) => ms !== null && ms >= p.tMs && ms < p.tMs + 1000;
      const began = r.faults.filter((f) => inSecond(f.startedMs)).map(faultName);
      const active = r.faults.some(
        (f) =>
          f.startedMs !== null && f.startedMs < p.tMs + 1000 && (f.endedMs ?? f.startedMs) >= p.tMs,
      );
      rows.push([
        r.variant,
        p.tMs,
        p.rps,
        p.p99Us,
        p.errors,
        p.loginWallHits,
        began.join(' '),
        active ? 1 : 0,
      ]);
    }
  }
  return csv(rows);
}
