import type { AuditCounts, VariantResult } from './result.js';

/** Every count DESIGN.md defines, at zero: where an audit starts. */
export const emptyAuditCounts = (): AuditCounts => ({
  loggedOutUsers: 0,
  loginWallHits: 0,
  lostUpdates: 0,
  resurrectedSessions: 0,
  wrongUserSessions: 0,
  unverifiedUsers: 0,
});

/** What names a variant result; everything else starts at zero. */
export type VariantHead = Pick<
  VariantResult,
  'variant' | 'backend' | 'provider' | 'server' | 'status' | 'mode'
> & { reason?: string; usersTotal?: number };

/**
 * A variant result with every required field present and nothing measured: the
 * result of a variant that did not run, and the sample a metric path is checked on.
 */
export function emptyVariantResult(head: VariantHead): VariantResult {
  return {
    variant: head.variant,
    backend: head.backend,
    provider: head.provider,
    server: head.server,
    status: head.status,
    ...(head.reason === undefined ? {} : { reason: head.reason }),
    mode: head.mode,
    requests: { total: 0, ok: 0, errors: 0, timeouts: 0, late: 0 },
    throughputRps: 0,
    latencyUs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    users: { total: head.usersTotal ?? 0, loggedInAtEnd: 0 },
    audit: emptyAuditCounts(),
    faults: [],
    timeline: [],
    events: [],
    phasesMs: { start: 0, warmUp: 0, load: 0, sweep: 0 },
  };
}
