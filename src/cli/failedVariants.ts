import type { RunResult } from '../result/result.js';

/** Enough of a server's own output to see why it would not start ("Address already in use"). */
const TAIL_LINES = 5;

/**
 * For each failed variant: the reason and the last lines the server or the app
 * printed. The JSON keeps the whole `logTail`; this goes to stderr even with --quiet,
 * so a failed run is never silent.
 */
export function failedVariantsOutput(result: RunResult): string {
  return result.results
    .filter((v) => v.status === 'failed')
    .map((v) => {
      const tail = (v.logTail ?? []).slice(-TAIL_LINES);
      const lines = tail.length ? `\n  last lines of its output:\n    ${tail.join('\n    ')}` : '';
      return `${v.variant} failed: ${v.reason ?? 'no reason given'}${lines}\n`;
    })
    .join('');
}
