import { maxOf, minOf } from '../../extremes.js';
import type { FaultResult, RunResult, VariantResult } from '../../result/result.js';
import { faultCoverage, faultLossText, faultName, measured } from './common.js';
import type {
  BarState,
  ChartData,
  ChartVariant,
  FaultWindow,
  SessionBar,
} from './html/chartData.js';

const ran = (f: FaultResult): f is FaultResult & { startedMs: number } =>
  f.status === 'done' && f.startedMs !== null;

/** "logged out 70/75 +2 logged in later", or "" when this fault logged nobody out. */
export function lossText(f: FaultResult): string {
  const any =
    f.loggedOutUsers + (f.loggedOutOutsidePopulation ?? 0) + (f.ambiguousLoggedOutUsers ?? 0);
  return any ? `logged out ${faultLossText(f)}` : '';
}

function windows(r: VariantResult, durationMs: number): FaultWindow[] {
  return r.faults.flatMap((f, planned) => {
    if (!ran(f)) return [];
    const endedMs = f.endedMs ?? f.startedMs;
    const recoveredMs = f.recoveryMs === null ? durationMs : f.startedMs + f.recoveryMs;
    return [
      {
        planned,
        label: faultName(f),
        startedMs: f.startedMs,
        endedMs,
        recoveringUntilMs: recoveredMs > endedMs ? recoveredMs : null,
        lossText: lossText(f),
      },
    ];
  });
}

/**
 * Users still holding their session, second by second when the timeline counts them,
 * otherwise stepping down by each fault's loss at its start; losses no fault is
 * blamed for were found at the final sweep, at the end.
 */
function loggedIn(
  r: VariantResult,
  durationMs: number,
): Pick<ChartVariant, 'loggedIn' | 'loggedInSource'> {
  const total = r.users.total;
  if (r.timeline.length && r.timeline.every((p) => p.loggedOut !== undefined)) {
    return {
      loggedInSource: 'timeline',
      loggedIn: [
        { tMs: 0, users: total },
        ...r.timeline.map((p) => ({ tMs: p.tMs + 1000, users: Math.max(0, total - p.loggedOut!) })),
      ],
    };
  }
  const steps = [{ tMs: 0, users: total }];
  let users = total;
  const drop = (tMs: number, lost: number) => {
    if (lost <= 0) return;
    steps.push({ tMs, users }, { tMs, users: (users = Math.max(0, users - lost)) });
  };
  const done = r.faults.filter(ran).sort((a, b) => a.startedMs - b.startedMs);
  for (const f of done) drop(f.startedMs, f.loggedOutUsers);
  drop(durationMs, r.audit.loggedOutUsers - done.reduce((n, f) => n + f.loggedOutUsers, 0));
  steps.push({ tMs: durationMs, users });
  return { loggedInSource: 'faults', loggedIn: steps };
}

function barState(r: VariantResult): BarState {
  if (r.status === 'failed' || r.status === 'skipped') return r.status;
  return faultCoverage(r) === 'no fault' ? 'no fault' : 'measured';
}

function bar(r: VariantResult): SessionBar {
  const state = barState(r);
  const figures = state !== 'failed' && state !== 'skipped';
  return {
    variant: r.variant,
    state,
    loggedOutUsers: figures ? r.audit.loggedOutUsers : null,
    users: r.users.total,
    lostUpdates: figures ? r.audit.lostUpdates : null,
    resurrectedSessions: figures ? r.audit.resurrectedSessions : null,
    caveat: r.durabilityCaveat !== undefined,
  };
}

/** 1, 2 or 5 × 10^k at or above `value`: a scale's end that a log axis labels. */
function niceCeil(value: number): number {
  const decade = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * decade >= value * 0.999)!;
  return step * decade;
}

function scales(variants: VariantResult[]): ChartData['scales'] {
  const p99Ms = variants.flatMap((r) =>
    r.timeline.filter((p) => p.p99Us > 0).map((p) => p.p99Us / 1000),
  );
  const rps = variants.flatMap((r) => r.timeline.map((p) => p.rps));
  return {
    p99MinMs: p99Ms.length ? 10 ** Math.floor(Math.log10(minOf(p99Ms))) : 1,
    p99MaxMs: p99Ms.length ? niceCeil(maxOf(p99Ms)) : 1000,
    rpsMax: rps.length ? niceCeil(maxOf(rps, 1)) : 10,
    users: Math.max(1, ...variants.map((r) => r.users.total)),
  };
}

/** What the charts need, and nothing else (events and log tails stay in the JSON file). */
export function chartData(result: RunResult): ChartData {
  const durationMs = result.scenario.load.durationMs;
  const drawn = result.results.filter((r) => measured(r) && r.timeline.length > 0);
  return {
    durationMs,
    scales: scales(drawn),
    variants: drawn.map((r, color) => ({
      variant: r.variant,
      status: r.status,
      color,
      timeline: r.timeline.map(({ tMs, rps, p99Us, errors }) => ({ tMs, rps, p99Us, errors })),
      windows: windows(r, durationMs),
      ...loggedIn(r, durationMs),
    })),
    bars: result.results.map(bar),
    capacity: capacityCurves(result.results),
  };
}

/** Each capacity variant's steps by rate (a retried rate keeps its last step). */
function capacityCurves(results: VariantResult[]): ChartData['capacity'] {
  return results
    .filter((r) => r.capacity?.steps.length)
    .map((r, color) => {
      const byRate = new Map(r.capacity!.steps.map((s) => [s.rateRps, s]));
      return {
        variant: r.variant,
        color,
        kneeRps: r.capacity!.kneeRps,
        steps: [...byRate.values()]
          .sort((a, b) => a.rateRps - b.rateRps)
          .map((s) => ({
            rateRps: s.rateRps,
            p99Ms: Math.max(s.p99Us, 1) / 1000,
            verdict: s.verdict,
          })),
      };
    });
}
