import { Command } from 'commander';
import {
  compareResults,
  renderComparisonJson,
  renderComparisonMarkdown,
  renderComparisonTable,
} from '../../report/compare.js';
import { checkOutFile } from '../../report/outputPlace.js';
import { readResult } from '../../report/readResult.js';
import { THRESHOLD_HELP } from '../../report/thresholds.js';
import { writeAtomically } from '../../report/writeReports.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exitCodes.js';
import {
  appendStepSummary,
  paintVerdicts,
  stderrColor,
  thresholdsFailed,
  thresholdsFrom,
} from '../output.js';

interface CompareFlags {
  threshold: string[];
  format?: string;
  out?: string;
  color: boolean;
}

const RENDER = {
  table: renderComparisonTable,
  md: renderComparisonMarkdown,
  json: renderComparisonJson,
} as const;

const EXAMPLES = `
Examples:
  $ session-bench compare results/base.json results/head.json
  $ session-bench compare base.json head.json --threshold 'p99<+10%' --threshold 'loggedOutUsers==0'
  $ session-bench compare base.json head.json --format md --out comparison.md

Thresholds come from the head's scenario file and --threshold: ${THRESHOLD_HELP}.
Absolute ones judge the head; +N% / -N% judge the head against the base, variant by variant.
When GITHUB_STEP_SUMMARY is set, the Markdown comparison is appended to it.
Exit codes: 0 ok, 2 bad input (file, format, threshold), 99 a threshold failed.`;

export function compareCommand(): Command {
  return new Command('compare')
    .description('two result files side by side per variant: changes, better or worse, thresholds')
    .argument('<base.json>', 'the result to compare against (e.g. from main)')
    .argument('<head.json>', 'the new result (e.g. from the pull request)')
    .option(
      '--threshold <expr>',
      'fail (exit 99) unless every variant meets it, e.g. p99<+10% (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--format <format>', 'table (the default on a terminal, md otherwise), md or json')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--no-color', 'no colors (NO_COLOR is respected too)')
    .addHelpText('after', EXAMPLES)
    .action(async (baseFile: string, headFile: string, flags: CompareFlags) => {
      const format = flags.format ?? (process.stdout.isTTY ? 'table' : 'md');
      if (!(format in RENDER)) {
        throw new UsageError(
          `unknown format ${JSON.stringify(format)} for compare; formats: ${Object.keys(RENDER).join(', ')}`,
        );
      }
      if (flags.out) await checkOutFile(flags.out);
      const base = await readResult(baseFile);
      const head = await readResult(headFile);
      const thresholds = thresholdsFrom(
        head.scenario.thresholds,
        flags.threshold,
        head.scenario.scenario.source,
        { relativeFlags: true },
      );
      const comparison = compareResults(base, head, thresholds, { base: baseFile, head: headFile });
      const text = RENDER[format as keyof typeof RENDER](comparison);
      if (flags.out) {
        await writeAtomically(flags.out, text);
        process.stderr.write(`wrote ${flags.out}\n`);
      } else {
        const color = format === 'table' && stderrColor(flags) && process.stdout.isTTY === true;
        process.stdout.write(paintVerdicts(text, color));
      }
      const summary = await appendStepSummary(renderComparisonMarkdown(comparison));
      if (summary) process.stderr.write(`appended the comparison to ${summary}\n`);
      if (thresholdsFailed(comparison.thresholds)) {
        const failed = comparison.thresholds.filter((t) => t.status === 'failed');
        process.stderr.write(
          `${failed.length} threshold verdict(s) failed:\n${failed.map((t) => `  ${t.expression}  ${t.message}\n`).join('')}`,
        );
        process.exitCode = EXIT.thresholds;
      }
    });
}
