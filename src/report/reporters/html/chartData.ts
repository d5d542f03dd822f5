/**
 * What the report's browser code draws, embedded in the page as JSON: the contract
 * between the renderer (html.ts, Node) and client.ts (browser). Types only.
 */
export interface ChartData {
  durationMs: number;
  plannedFaults: { atMs: number; label: string; durationMs?: number }[];
  variants: ChartVariant[];
}

export interface ChartVariant {
  variant: string;
  status: string;
  timeline: { tMs: number; rps: number; p99Us: number; errors: number }[];
  faults: ChartFault[];
  loggedOutUsers: number;
  lostUpdates: number;
  resurrectedSessions: number;
}

export interface ChartFault {
  /** Which of the planned faults this is. */
  planned: number;
  label: string;
  startedMs: number;
  endedMs: number;
  recoveryMs: number | null;
  /** Users who lost their session at this fault. */
  loggedOutUsers: number;
}
