/**
 * What the report's browser code draws, embedded in the page as JSON: the contract
 * between the renderer (htmlChartData.ts, Node) and client.ts (browser). Types only:
 * every figure is derived on the Node side, the browser only draws.
 */
export interface ChartData {
  durationMs: number;
  /** One latency and one throughput scale for every per-variant chart, so their heights compare. */
  scales: {
    p99MinMs: number;
    p99MaxMs: number;
    rpsMax: number;
    /** The top of the logged-in chart: the most users any variant had. */
    users: number;
  };
  /** Variants with a timeline to draw (completed or aborted), each with its own fault windows. */
  variants: ChartVariant[];
  /** Every variant of the run, also those that failed or were skipped (one bar group each). */
  bars: SessionBar[];
  /** Capacity mode: each variant's steps, sorted by rate, for the rate-vs-p99 chart. */
  capacity: CapacityCurve[];
}

export interface CapacityCurve {
  variant: string;
  color: number;
  /** The knee's rate, null when no step passed. */
  kneeRps: number | null;
  steps: { rateRps: number; p99Ms: number; verdict: 'pass' | 'fail' | 'generator' }[];
}

export interface ChartVariant {
  variant: string;
  status: string;
  /** Palette index: the variant has the same colour in every chart. */
  color: number;
  timeline: { tMs: number; rps: number; p99Us: number; errors: number }[];
  /** The faults that ran on this variant, at the times they ran on it. */
  windows: FaultWindow[];
  /** Users still holding their session over time: a step down at each loss. */
  loggedIn: { tMs: number; users: number }[];
  /** timeline: from the per-second `loggedOut` count; faults: each fault's loss at its start. */
  loggedInSource: 'timeline' | 'faults';
}

export interface FaultWindow {
  /** Which of the planned faults this is. */
  planned: number;
  label: string;
  startedMs: number;
  endedMs: number;
  /**
   * The amber band after the window: until p99 was back within 2× of before, or to the
   * end of the load when it never was; null when it recovered inside the window.
   */
  recoveringUntilMs: number | null;
  /** "logged out 70/75 +81 shared", or "" when nobody was. */
  lossText: string;
}

/** Why a bar group has no figures, or why its figures do not measure a fault. */
export type BarState = 'measured' | 'no fault' | 'failed' | 'skipped';

export interface SessionBar {
  variant: string;
  state: BarState;
  /** null when nothing was measured (failed, skipped). */
  loggedOutUsers: number | null;
  users: number;
  lostUpdates: number | null;
  resurrectedSessions: number | null;
  /** The loss figures are not representative (durabilityCaveat): marked †. */
  caveat: boolean;
}
