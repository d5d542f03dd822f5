import type { Backend } from '../backends/backend.js';
import type { Plan } from '../config/planSchema.js';
import type { Progress } from './progress.js';

/** One variant to run, and what it runs with. */
export interface VariantRun {
  runId: string;
  variant: string;
  backend: Backend;
  plan: Plan;
  /** Cookie-signing secret, fixed for the whole run. */
  secret: string;
  /** The run's temp folder; this variant's data goes in a folder inside it. */
  workDir: string;
  signal: AbortSignal;
  progress?: Progress;
  /** A shard's first user id on the wire (its ledger counts from 0). */
  userOffset?: number;
  /** Epoch ms this variant's load is held until (--start-at). */
  loadStartAtMs?: number;
  /** A shard's result: timeline seconds carry their histograms too, for the merge. */
  shardResult?: boolean;
  /**
   * `--workers N` (N > 1): this process drives slice 1 of `plan`'s split and runs the
   * faults; workers 2..N drive the others (`fullPlan`: the plan before the split).
   */
  workers?: { count: number; fullPlan: Plan };
}
