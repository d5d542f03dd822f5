import Table from 'cli-table3';
import type { RunResult, VariantResult } from '../result.js';

const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 0);

function statusCell(r: VariantResult): string {
  return r.status === 'completed' ? 'ok' : `${r.status}${r.reason ? `: ${r.reason}` : ''}`;
}

/** The per-variant summary a person reads at the end of a run. */
export function renderTable(result: RunResult): string {
  const load = result.scenario.load;
  const heading =
    `session-bench ${result.scenario.scenario.name}: ${load.mode}` +
    (load.mode === 'fixed' ? ` ${load.rateRps} req/s` : ` ${load.connections} connections`) +
    `, ${load.durationMs / 1000}s, ${load.users} users` +
    (result.scenario.faults.length
      ? `, faults ${result.scenario.faults.map((f) => `${f.action}:${f.target}@${f.atMs / 1000}s`).join(' ')}`
      : '');
  const table = new Table({
    head: [
      'variant',
      'req/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'errors',
      'logged out',
      'login walls',
      'lost upd.',
      'resurrected',
      'wrong user',
      'status',
    ],
    style: { head: [], border: [], compact: true },
  });
  for (const r of result.results) {
    table.push([
      r.variant,
      r.throughputRps.toFixed(0),
      ms(r.latencyUs.p50),
      ms(r.latencyUs.p99),
      ms(r.latencyUs.p999),
      ms(r.latencyUs.max),
      String(r.requests.errors + r.requests.timeouts),
      `${r.audit.loggedOutUsers}/${r.users.total}`,
      String(r.audit.loginWallHits),
      String(r.audit.lostUpdates),
      String(r.audit.resurrectedSessions),
      String(r.audit.wrongUserSessions),
      statusCell(r),
    ]);
  }
  const faultLines = result.results.flatMap((r) =>
    r.faults.map(
      (f) =>
        `  ${r.variant}: ${f.action}:${f.target} at ${(f.atMs / 1000).toFixed(1)}s ${f.status}` +
        (f.status === 'done'
          ? `, unavailable ${f.unavailableMs} ms, recovery ${f.recoveryMs === null ? 'not within the run' : `${f.recoveryMs} ms`}` +
            (f.loggedInUsersAtFault !== undefined
              ? `, ${f.loggedInUsersAtFault} users logged in at the fault`
              : '')
          : f.reason
            ? ` (${f.reason})`
            : ''),
    ),
  );
  const verdicts = result.thresholds ?? [];
  const failed = verdicts.filter((v) => v.status === 'failed').length;
  const thresholdLines = verdicts.length
    ? [
        `thresholds: ${failed ? `${failed} of ${verdicts.length} FAILED` : `${verdicts.length - verdicts.filter((v) => v.status === 'skipped').length} passed`}`,
        ...verdicts.map(
          (v) =>
            `  ${v.status === 'failed' ? '✗' : v.status === 'passed' ? '✓' : '-'} ${v.expression}  ${v.message}`,
        ),
      ]
    : [];
  return (
    [
      heading,
      table.toString(),
      ...(faultLines.length ? ['faults:', ...faultLines] : []),
      ...thresholdLines,
    ].join('\n') + '\n'
  );
}
