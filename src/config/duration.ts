const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses "500ms", "30s", "2m", "1.5h" into milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * UNIT_MS[unit as string]!);
}

/** Formats milliseconds the way a person reads them: 850ms, 3s, 1.5m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(2)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(2)}m`;
  return `${+(ms / 3_600_000).toFixed(2)}h`;
}

export const DURATION_HELP = 'a duration such as 500ms, 30s, 2m or 1h';

const DAY_MS = 86_400_000;

/**
 * What each kind of duration may be, so that the tool can honour it: a load of at
 * least a second sends requests and at most a day (a whole `day` replayed in real
 * time), which also keeps every timer far below Node's 24.8-day limit; a fault
 * happens inside the load; a repeated fault leaves time for the last to finish.
 */
export const DURATION_BOUNDS = {
  load: { minMs: 1000, maxMs: DAY_MS },
  step: { minMs: 500, maxMs: 600_000 },
  faultAt: { minMs: 0, maxMs: DAY_MS },
  faultDuration: { minMs: 1, maxMs: DAY_MS },
  faultEvery: { minMs: 1000, maxMs: DAY_MS },
  timeout: { minMs: 100, maxMs: 600_000 },
  slow: { minMs: 1, maxMs: 600_000 },
  neighborBaseline: { minMs: 1000, maxMs: 600_000 },
  /** Failure detection of a replicated store (Sentinel's down-after, cluster-node-timeout). */
  failoverTiming: { minMs: 100, maxMs: 600_000 },
} as const;

export type DurationBounds = { minMs: number; maxMs: number };

/** "from 1s to 24h" */
export function describeBounds(bounds: DurationBounds): string {
  const format = (ms: number) => (ms === 0 ? '0s' : formatDuration(ms));
  return `from ${format(bounds.minMs)} to ${format(bounds.maxMs)}`;
}

/**
 * A duration written with a unit ("30s") or, in a YAML file, a plain number of
 * milliseconds, checked against its bounds; the problem in words when it is not one.
 */
export function readBoundedDuration(
  value: unknown,
  bounds: DurationBounds,
): { ms: number } | { problem: string } {
  // The units as words, not examples: an example could fall outside these bounds.
  const expected = `expected a duration with its unit (ms, s, m or h, e.g. 30s) ${describeBounds(bounds)}`;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    return { problem: `${expected}; a number needs a unit, e.g. ${value.trim()}s` };
  }
  if (typeof value === 'string' && value.trim().startsWith('-')) {
    return { problem: `${expected}; it cannot be negative` };
  }
  const ms =
    typeof value === 'number'
      ? value
      : typeof value === 'string'
        ? parseDurationMs(value)
        : undefined;
  if (ms === undefined || !Number.isFinite(ms)) return { problem: expected };
  if (ms < bounds.minMs || ms > bounds.maxMs) return { problem: expected };
  return { ms };
}
