import { appendFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { ThresholdVerdict } from '../result/result.js';
import { failedVerdicts, parseThresholds, type Threshold } from '../report/thresholds.js';
import { colorWanted } from '../runner/progress.js';

/** Colors on stderr: a terminal, no NO_COLOR, no --no-color (commander sets color: false). */
export const stderrColor = (flags: { color?: boolean }) =>
  colorWanted(process.stderr, flags.color === false);

/** Threshold lines of a rendered report in red (failed) and green (passed), on a terminal. */
export function paintVerdicts(text: string, color: boolean): string {
  if (!color) return text;
  return text
    .split('\n')
    .map((line) =>
      /^\s+✗ /.test(line)
        ? `\x1b[31m${line}\x1b[0m`
        : /^\s+✓ /.test(line)
          ? `\x1b[32m${line}\x1b[0m`
          : line,
    )
    .join('\n');
}

/**
 * The thresholds of a run or a comparison: the scenario file's (carried in the
 * result's plan) and --threshold. Malformed ones are a usage error naming where they
 * came from.
 */
export function thresholdsFrom(
  fromFile: readonly string[],
  fromFlags: readonly string[],
  source: string,
  { relativeFlags }: { relativeFlags: boolean },
): Threshold[] {
  const parse = (texts: readonly string[], where: string) => {
    try {
      return parseThresholds(texts);
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${where}: ${error.message}`);
      throw error;
    }
  };
  const file = parse(fromFile, `scenario ${source}`);
  const flags = parse(fromFlags, '--threshold');
  if (!relativeFlags) {
    const relative = flags.find((t) => t.kind === 'relative');
    if (relative) {
      throw new UsageError(
        `--threshold ${JSON.stringify(relative.expression)} is a change against a base; ` +
          'use it with session-bench compare <base.json> <head.json>',
      );
    }
  }
  return [...file, ...flags];
}

export const thresholdsFailed = (verdicts: readonly ThresholdVerdict[] | undefined) =>
  failedVerdicts(verdicts).length > 0;

/** GitHub Actions shows what a step appends to $GITHUB_STEP_SUMMARY on the run's page. */
export async function appendStepSummary(markdown: string): Promise<string | undefined> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  await appendFile(file, `${markdown}\n`);
  return file;
}
