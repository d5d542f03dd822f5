import { CommanderError } from 'commander';
import { InterruptedError, RuntimeError, UsageError } from '../errors.js';
import type { RunResult } from '../result/result.js';
import { thresholdsFailed } from './output.js';

export const EXIT = { ok: 0, runtime: 1, usage: 2, thresholds: 99, interrupted: 130 } as const;

/** The one place an error becomes an exit code and a message for a person. */
export function exitCodeFor(error: unknown): { code: number; message: string } {
  if (error instanceof CommanderError)
    return { code: error.exitCode === 0 ? 0 : EXIT.usage, message: '' };
  if (error instanceof UsageError) return { code: EXIT.usage, message: `error: ${error.message}` };
  if (error instanceof InterruptedError) return { code: EXIT.interrupted, message: 'interrupted' };
  if (error instanceof RuntimeError) {
    const tail = error.logTail.length
      ? `\nlast lines of its output:\n  ${error.logTail.join('\n  ')}`
      : '';
    return { code: EXIT.runtime, message: `error: ${error.message}${tail}` };
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: EXIT.runtime, message: `unexpected error: ${text}` };
}

/**
 * A finished run's exit code: 1 when a variant failed or stalled (it did not measure
 * cleanly: CI must see it without parsing the JSON), else 99 when a threshold failed.
 */
export function exitCodeOfRun(result: RunResult): number {
  if (result.results.some((r) => r.status === 'failed' || r.stalled)) return EXIT.runtime;
  if (thresholdsFailed(result.thresholds)) return EXIT.thresholds;
  return EXIT.ok;
}
