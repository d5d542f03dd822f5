import Table from 'cli-table3';
import type { RunResult } from '../../result/result.js';
import { recoveryText } from './common.js';
import { summaryColumns, summaryRows } from './summaryColumns.js';

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
  const columns = summaryColumns({ compact: true });
  const table = new Table({
    head: columns.map((c) => c.heading),
    style: { head: [], border: [], compact: true },
  });
  table.push(...summaryRows(columns, result.results));
  const faultLines = result.results.flatMap((r) =>
    r.faults.map(
      (f) =>
        `  ${r.variant}: ${f.action}:${f.target} at ${(f.atMs / 1000).toFixed(1)}s ${f.status}` +
        (f.status === 'done'
          ? `, unavailable ${f.unavailableMs} ms, recovery ${recoveryText(f)}` +
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
