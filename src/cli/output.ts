import { UsageError } from '../errors.js';
import type { RunResult, ThresholdVerdict } from '../result/result.js';
import { failedVerdicts, parseThresholds, type Threshold } from '../report/thresholds.js';
import { renderDurability } from '../report/reporters/durability.js';
import { renderFailover } from '../report/reporters/failover.js';
import { renderTable } from '../report/reporters/table.js';
import { thresholdsText } from '../report/reporters/thresholdsBlock.js';
import { NARROW_COLUMNS } from '../report/reporters/text.js';

interface ColorStream {
  isTTY?: boolean;
}

/**
 * Colour on a stream: never with --no-color (commander sets color: false); else
 * FORCE_COLOR decides when set (0 or false: none); else none with NO_COLOR; else only
 * on a terminal. The reporters take the answer as an option.
 */
export function colorAllowed(
  stream: ColorStream,
  flags: { color?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (flags.color === false) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

/** Colour on stderr, where the summary and progress go. */
export const stderrColor = (flags: { color?: boolean }) => colorAllowed(process.stderr, flags);

/**
 * What `run` prints on stderr when it is done: the summary, the durability table,
 * the files written, and the threshold verdicts last (what a CI log is read for).
 */
export function runEndText(
  result: RunResult,
  files: readonly { label: string; file: string }[],
  options: { color: boolean; wide?: boolean },
): string {
  const style = { color: options.color, wide: options.wide ?? false };
  return (
    renderTable(result, { ...style, thresholds: false }) +
    renderDurability(result, style) +
    renderFailover(result, style) +
    files.map((f) => `${f.label}: ${f.file}\n`).join('') +
    thresholdsText(
      result.thresholds ?? [],
      style,
      style.wide ? Number.POSITIVE_INFINITY : NARROW_COLUMNS,
    )
  );
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
