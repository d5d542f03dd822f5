import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { checkOutFile } from '../../report/outputPlace.js';
import { readResult } from '../../report/readResult.js';
import { REPORTER_NAMES, reporterNamed } from '../../report/reporters/index.js';
import { timelineFileFor, writeAtomically } from '../../report/writeReports.js';
import { colorAllowed } from '../output.js';

interface ReportFlags {
  format?: string;
  out?: string;
  wide?: boolean;
  /** false with --no-color. */
  color: boolean;
}

const EXAMPLES = `
Examples:
  $ session-bench report results/2026-11-28T032650Z-default.json            # table on a terminal
  $ session-bench report results/…-default.json --format md > summary.md
  $ session-bench report results/…-default.json --format html --out report.html
  $ session-bench report results/…-default.json --format csv --out runs.csv  # + runs.timeline.csv

Formats: table (the default on a terminal, md otherwise), md, html, csv (one row per
variant), timeline-csv (one row per variant per second), json.`;

export function reportCommand(): Command {
  return new Command('report')
    .description('render a result file as a table, Markdown, HTML with charts, CSV or JSON')
    .argument('<result.json>', 'a file written by session-bench run')
    .option('--format <format>', `one of ${REPORTER_NAMES.join(', ')}`)
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--wide', 'table: every column, lines not cut to 80 columns')
    .option('--no-color', 'table: no colors (NO_COLOR and FORCE_COLOR are respected too)')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, flags: ReportFlags) => {
      const format = flags.format ?? (process.stdout.isTTY ? 'table' : 'md');
      if (format.includes(',')) {
        throw new UsageError('report writes one format at a time; run it once per format');
      }
      const options = { wide: flags.wide ?? false };
      const render = reporterNamed(format, options);
      if (flags.out) await checkOutFile(flags.out);
      const result = await readResult(file);
      if (result.status === 'partial') {
        const ran = result.results.filter((v) => v.status !== 'skipped').length;
        process.stderr.write(
          `note: this run did not finish (status partial): ${ran} variant(s) recorded; ` +
            'the process was killed or crashed, or is still running\n',
        );
      }
      if (!flags.out) {
        const color = colorAllowed(process.stdout, flags);
        process.stdout.write(reporterNamed(format, { ...options, color })(result));
        return;
      }
      await writeAtomically(flags.out, render(result));
      const written = [flags.out];
      if (format === 'csv') {
        const timeline = timelineFileFor(flags.out);
        await writeAtomically(timeline, reporterNamed('timeline-csv')(result));
        written.push(timeline);
      }
      process.stderr.write(written.map((f) => `wrote ${f}\n`).join(''));
    });
}
