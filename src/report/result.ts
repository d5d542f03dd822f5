import type { AuditCounts } from '../audit/audit.js';
import type { FaultAction, Mode } from '../config/schema.js';
import type { Plan } from '../config/loadPlan.js';
import type { Expectation } from '../faults/expectations.js';
import type { FaultPhases } from '../faults/phases.js';
import type { LifecycleEvent } from '../lifecycle/eventLog.js';
import type { LatencySummary } from '../load/latency.js';
import type { RequestCounts } from '../load/measurements.js';

/** Bumped whenever a field changes meaning or disappears; readers refuse other versions. */
export const SCHEMA_VERSION = 1;

export type VariantStatus = 'completed' | 'failed' | 'skipped' | 'aborted';

export interface FaultResult {
  /** When the plan asked for it and when it really began, ms after the load started. */
  atMs: number;
  startedMs: number | null;
  endedMs: number | null;
  action: FaultAction;
  target: string;
  targets: string[];
  durationMs?: number;
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
  unavailableMs: number;
  recoveryMs: number | null;
  errorsDuringFault: number;
  /** Users whose session was lost at this fault (not before it or after it). */
  loggedOutUsers: number;
  /** Acknowledged writes lost at this fault. */
  lostUpdates: number;
  loggedInUsersAtFault?: number;
  unsettledAtFault?: number;
  /** Requests, throughput and latency before, during (to recovery) and after the fault. */
  phases?: FaultPhases;
  /** For a restart or kill of the whole store: what its documentation says, and whether this run agrees. */
  expectation?: Expectation & { matches: boolean };
}

export interface TimelinePoint {
  /** Start of the second, ms after the load started. */
  tMs: number;
  /** Answers received in this second. */
  rps: number;
  /** p99 of requests intended in this second, µs. */
  p99Us: number;
  errors: number;
  loginWallHits: number;
}

export interface VariantResult {
  variant: string;
  backend: string;
  provider: string;
  /** Why this provider ran the variant, and what `auto` skipped. */
  providerReason?: string;
  server: { name: string; version: string } | null;
  /** The exact server command line (or image and command) used. */
  serverCommand?: string;
  status: VariantStatus;
  reason?: string;
  mode: Mode;
  requests: RequestCounts;
  throughputRps: number;
  latencyUs: LatencySummary;
  users: { total: number; loggedInAtEnd: number };
  audit: AuditCounts;
  faults: FaultResult[];
  timeline: TimelinePoint[];
  events: LifecycleEvent[];
  /** Seconds each phase took, for "time to first request" and friends. */
  phasesMs: { start: number; warmUp: number; load: number; sweep: number };
  /** Last lines of the app's (and servers') output when the variant failed. */
  logTail?: string[];
}

export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  startedAt: string;
  finishedAt: string;
  status: 'completed' | 'aborted';
  tool: { name: 'session-bench'; version: string };
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; platform: string };
  scenario: Plan;
  results: VariantResult[];
  /** The thresholds the run was judged against (scenario file and --threshold), one per variant each. */
  thresholds?: ThresholdVerdict[];
}

/** One threshold judged on one variant (src/report/thresholds.ts). */
export interface ThresholdVerdict {
  /** As written, e.g. "p99<50ms". */
  expression: string;
  variant: string;
  metric: string;
  status: 'passed' | 'failed' | 'skipped';
  /** The variant's figure and its limit in the metric's unit (µs for latency, ms for fault figures); null when there is none. */
  value: number | null;
  limit: number | null;
  /** For a person: "p99 = 6.1 ms, limit < 50 ms: passed". */
  message: string;
}
