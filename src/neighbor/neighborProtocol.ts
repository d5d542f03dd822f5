import type { LatencySummary } from '../result/result.js';

/** The engines a neighbour workload speaks: the database's own protocol, not HTTP. */
export const NEIGHBOR_ENGINES = ['mysql', 'postgres', 'redis', 'memcached'] as const;
export type NeighborEngine = (typeof NEIGHBOR_ENGINES)[number];

/** What the neighbour child needs, passed in one environment variable. */
export interface NeighborConfig {
  engine: NeighborEngine;
  /** The node it works on, host:port (directly: not through the fault proxy). */
  endpoint: string;
  /** The backend's connection settings (user, password, database). */
  settings: Record<string, string>;
  /** Its own table (SQL) or key prefix (redis, memcached), named after the run. */
  name: string;
  rateRps: number;
  /** Rows (or keys) it works on. */
  rows: number;
  /** Share of its operations that are updates; the rest are point selects (reads). */
  updateShare: number;
  /** An operation unanswered after this long counts as an error. */
  timeoutMs: number;
  seed: number;
}

export const NEIGHBOR_CONFIG_ENV = 'SESSION_BENCH_NEIGHBOR_CONFIG';

/** Parent → neighbour child. */
export type NeighborCommand =
  /** Connect, create and fill its table: answered once it can start. */
  | { id: number; type: 'prepare' }
  /** Start the open loop; what follows counts in phase `phase`. */
  | { id: number; type: 'start'; phase: string }
  /** From now on operations count in `phase` (sent at the session load's boundaries). */
  | { id: number; type: 'phase'; phase: string }
  /** Stop sending, wait for answers in flight, drop its table, report every phase. */
  | { id: number; type: 'finish' };

/** One phase of the neighbour's own operations, latency from their intended send time. */
export interface NeighborPhase {
  phase: string;
  durationMs: number;
  operations: number;
  errors: number;
  /** Sent more than LATE_MS after their intended time: the neighbour itself fell behind. */
  late: number;
  latencyUs: LatencySummary;
}

export type NeighborReply =
  | { id: number; ok: true; phases?: NeighborPhase[]; cleanup?: string }
  | { id: number; ok: false; error: string };
