import type { RunResult } from '../../result/result.js';
import {
  appPackageLines,
  FAULT_ALIGN,
  caveatNotes,
  variantNotes,
  FAULT_COLUMNS,
  expectationNotes,
  faultRows,
  loadLine,
  machineLine,
  plannedFaults,
  runAppText,
  serverLine,
  sharedLegend,
  whenText,
} from './common.js';
import { claimsMarkdown } from './claimsSection.js';
import { failoverMarkdown } from './failover.js';
import {
  CAPACITY_ALIGN,
  CAPACITY_HEAD,
  CURVE_ALIGN,
  CURVE_HEAD,
  RESOURCE_ALIGN,
  RESOURCE_HEAD,
  RESOURCE_LEGEND,
  capacityLegend,
  capacityRows,
  curveRows,
  resourceRows,
} from './capacity.js';
import { mdTable } from './mdTable.js';
import {
  NEIGHBOR_ALIGN,
  NEIGHBOR_COLUMNS,
  NEIGHBOR_LEGEND,
  neighborNotes,
  neighborRows,
} from './neighborRows.js';
import { notMeasuredGroups, type NotMeasuredGroup } from './notMeasured.js';
import { summaryColumns, summaryRows } from './summaryColumns.js';
import { thresholdsMarkdown } from './thresholdsBlock.js';
import { safeText } from './text.js';

export { mdTable, thresholdsMarkdown };

/** Each group of not-measured variants once, as a numbered list: why, and the way out. */
function notMeasuredMarkdown(groups: readonly NotMeasuredGroup[]): string[] {
  if (!groups.length) return [];
  return [
    '',
    ...groups.flatMap((g) => [
      `${g.number}. **${g.status}:** ${g.variants.map((v) => `\`${v}\``).join(', ')}: ` +
        g.reasons.join('; '),
      ...(g.wayOut.length ? [`   - way out: ${g.wayOut.join('; or ')}`] : []),
    ]),
  ];
}

function capacityMarkdown(result: RunResult): string[] {
  const rows = capacityRows(result.results);
  if (!rows.length) return [];
  const tick = (row: string[]) => [`\`${row[0]}\``, ...row.slice(1)];
  return [
    '',
    '### Capacity',
    '',
    mdTable(CAPACITY_HEAD, CAPACITY_ALIGN, rows.map(tick)),
    '',
    ...capacityLegend(result.results).map((l) => `- ${l}`),
    ...result.results
      .filter((r) => r.capacity)
      .flatMap((r) => [
        '',
        `#### Curve of \`${r.variant}\``,
        '',
        mdTable(CURVE_HEAD, CURVE_ALIGN, curveRows(r.capacity!.steps)),
      ]),
  ];
}

function resourcesMarkdown(result: RunResult): string[] {
  const rows = resourceRows(result.results);
  if (!rows.length) return [];
  const tick = (row: string[]) => [`\`${row[0]}\``, ...row.slice(1)];
  return [
    '',
    '### Resources',
    '',
    mdTable(RESOURCE_HEAD, RESOURCE_ALIGN, rows.map(tick)),
    '',
    RESOURCE_LEGEND,
  ];
}

/**
 * The result for a post or a PR comment: what ran, where, on which versions, and
 * the figures per variant in GitHub-flavoured tables.
 */
export function renderMarkdown(result: RunResult): string {
  const s = result.scenario;
  const groups = notMeasuredGroups(result.results);
  const summary = summaryColumns({ notes: groups });
  const notes = [...result.results.flatMap(variantNotes), ...caveatNotes(result.results)];
  const out: string[] = [`## session-bench: ${s.scenario.name}`, ''];
  const about = s.scenario.description?.split('\n')[0]?.trim();
  if (about) out.push(`> ${about}`, '');
  out.push(
    `- **Load:** ${loadLine(result)}`,
    `- **Faults:** ${plannedFaults(result)}`,
    `- **Run:** ${whenText(result.startedAt)}, ${result.runId}, ${result.status}`,
    `- **Machine:** ${machineLine(result)}`,
    `- **Versions:** ${result.tool.name} ${result.tool.version}; ` +
      result.results.map((r) => `${r.variant}: ${serverLine(r)} (${r.provider})`).join('; '),
    ...claimsMarkdown(result),
    `- **App:** ${[runAppText(result).slice('app '.length), ...appPackageLines(result.results)].join('; ')}`,
    '',
    mdTable(
      summary.map((c) => c.heading),
      summary.map((c) => c.align).join(''),
      summaryRows(summary, result.results).map(([variant, ...rest]) => [`\`${variant}\``, ...rest]),
    ),
    ...notMeasuredMarkdown(groups),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
  );
  const faults = faultRows(result.results);
  if (faults.length) {
    const notes = [
      ...sharedLegend(result.results.flatMap((r) => r.faults)),
      ...expectationNotes(result.results),
    ];
    out.push(
      '',
      '### Faults',
      '',
      mdTable(
        FAULT_COLUMNS,
        FAULT_ALIGN,
        faults.map(([variant, ...rest]) => [`\`${variant}\``, ...rest]),
      ),
      ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    );
  }
  const neighbors = neighborRows(result.results);
  if (neighbors.length) {
    out.push(
      '',
      '### Neighbour workload',
      '',
      mdTable(
        NEIGHBOR_COLUMNS,
        NEIGHBOR_ALIGN,
        neighbors.map(([variant, ...rest]) => [`\`${variant}\``, ...rest]),
      ),
      '',
      ...[...neighborNotes(result.results), NEIGHBOR_LEGEND].map((n) => `- ${n}`),
    );
  }
  out.push(...failoverMarkdown(result));
  out.push(...capacityMarkdown(result), ...resourcesMarkdown(result));
  if (result.thresholds?.length) out.push('', thresholdsMarkdown(result.thresholds));
  out.push(
    '',
    '<sub>' +
      (result.scenario.load.mode !== 'saturation'
        ? 'Latency is measured from the intended send time (no coordinated omission). '
        : 'Saturation mode: latency is service time under maximum load. ') +
      '"logged out": users whose session vanished though they never logged out.</sub>',
  );
  // Text from a result file cannot drive the terminal that shows this file.
  return safeText(`${out.join('\n')}\n`, 'newlines');
}
