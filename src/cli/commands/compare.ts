import { Command } from 'commander';
import {
  DEFAULT_NOISE_PCT,
  compareResults,
  renderComparisonJson,
  renderComparisonMarkdown,
  renderComparisonTable,
} from '../../report/compare.js';
import { checkOutFile } from '../../report/outputPlace.js';
import { readResult } from '../../report/readResult.js';
import { stepSummaryReporter } from '../../report/reporters/stepSummary.js';
import { safeText } from '../../report/reporters/text.js';
import { THRESHOLD_HELP } from '../../report/thresholds.js';
import { writeAtomically } from '../../report/writeReports.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exitCodes.js';
import { colorAllowed, thresholdsFailed, thresholdsFrom } from '../output.js';

interface CompareFlags {
  threshold: string[];
  format?: string;
  out?: string;
  color: boolean;
  noise: string;
}

/** "--noise 5" or "5%": a percentage from 0 to 100. */
function noisePct(text: string): number {
  const value = Number(text.trim().replace(/%$/, ''));
  if (!/^\s*\d+(\.\d+)?\s*%?\s*$/.test(text) || !(value >= 0 && value <= 100)) {
    throw new UsageError(
      `--noise ${JSON.stringify(text)}: expected a percentage from 0 to 100, e.g. 5 or 2.5%`,
    );
  }
  return value;
}

const RENDER: Record<
  'table' | 'md' | 'json',
  (c: ReturnType<typeof compareResults>, options: { color: boolean }) => string
> = {
  table: renderComparisonTable,
  md: renderComparisonMarkdown,
  json: renderComparisonJson,
};

const EXAMPLES = `
Examples:
  $ session-bench compare results/base.json results/head.json
  $ session-bench compare base.json head.json --threshold 'p99<+10%' --threshold 'loggedOutUsers==0'
  $ session-bench compare base.json head.json --format md --out comparison.md

Thresholds come from the head's scenario file and --threshold: ${THRESHOLD_HELP}.
Absolute ones judge the head; +N% / -N% judge the head against the base, variant by variant.
A change within the noise band (--noise, default ${DEFAULT_NOISE_PCT}%) is "same", not better or worse.
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
    .option(
      '--noise <percent>',
      'changes within ±this percent are "same" (run-to-run noise)',
      String(DEFAULT_NOISE_PCT),
    )
    .option('--no-color', 'no colors (NO_COLOR and FORCE_COLOR are respected too)')
    .addHelpText('after', EXAMPLES)
    .action(async (baseFile: string, headFile: string, flags: CompareFlags) => {
      const format = flags.format ?? (process.stdout.isTTY ? 'table' : 'md');
      if (!(format in RENDER)) {
        throw new UsageError(
          `unknown format ${JSON.stringify(format)} for compare; formats: ${Object.keys(RENDER).join(', ')}`,
        );
      }
      const noise = noisePct(flags.noise);
      if (flags.out) await checkOutFile(flags.out);
      const base = await readResult(baseFile);
      const head = await readResult(headFile);
      const thresholds = thresholdsFrom(
        head.scenario.thresholds,
        flags.threshold,
        head.scenario.scenario.source,
        { relativeFlags: true },
      );
      const comparison = compareResults(
        base,
        head,
        thresholds,
        { base: baseFile, head: headFile },
        { noisePct: noise },
      );
      const render = RENDER[format as keyof typeof RENDER];
      if (flags.out) {
        await writeAtomically(flags.out, render(comparison, { color: false }));
        process.stderr.write(`wrote ${flags.out}\n`);
      } else {
        process.stdout.write(render(comparison, { color: colorAllowed(process.stdout, flags) }));
      }
      const summary = await stepSummaryReporter.append(renderComparisonMarkdown(comparison));
      if (summary) process.stderr.write(`appended the comparison to ${summary}\n`);
      if (thresholdsFailed(comparison.thresholds)) {
        const failed = comparison.thresholds.filter((t) => t.status === 'failed');
        process.stderr.write(
          `${failed.length} threshold verdict(s) failed:\n${failed.map((t) => `  ${safeText(t.expression)}  ${safeText(t.message)}\n`).join('')}`,
        );
        process.exitCode = EXIT.thresholds;
      }
    });
}
