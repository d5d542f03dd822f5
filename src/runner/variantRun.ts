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
}
