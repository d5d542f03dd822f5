import type { VariantResult } from '../../result/result.js';
import {
  appCell,
  appFlavour,
  errorsOf,
  lossCell,
  measured,
  msFromUs,
  statusWord,
} from './common.js';
import { reasonKey } from './notMeasured.js';
import { safeText } from './text.js';

/** A reason cut to what one line holds. */
const short = (text: string, max = 100) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * One line that closes a variant in a log without a terminal (CI): what it measured,
 * or why it did not run. "memory: ok, 58 req/s, p50 3.85 ms, p99 560 ms, 131 errors,
 * logged out 75/80, lost updates 0".
 */
export function variantSummaryLine(r: VariantResult): string {
  // The builtin app goes unsaid; a middleware is part of what was measured.
  const name = appFlavour(r) === 'builtin' ? r.variant : `${r.variant} [${appCell(r)}]`;
  if (!measured(r)) {
    return safeText(`${name}: ${r.status}${r.reason ? `: ${short(reasonKey(r))}` : ''}`);
  }
  const figures = [
    `${r.throughputRps.toFixed(0)} req/s`,
    `p50 ${msFromUs(r.latencyUs.p50)} ms`,
    `p99 ${msFromUs(r.latencyUs.p99)} ms`,
    `${errorsOf(r)} errors`,
    ...(r.requests.notSent ? [`${r.requests.notSent} not sent`] : []),
    `logged out ${lossCell(r, 'loggedOutUsers').text}`,
    `lost updates ${lossCell(r, 'lostUpdates').text}`,
    ...(r.audit.resurrectedSessions ? [`resurrected ${r.audit.resurrectedSessions}`] : []),
    ...(r.audit.wrongUserSessions ? [`WRONG USER ${r.audit.wrongUserSessions}`] : []),
    ...(r.audit.indeterminate ? [`indeterminate ${r.audit.indeterminate}`] : []),
  ];
  return safeText(`${name}: ${statusWord(r)}, ${figures.join(', ')}`);
}
