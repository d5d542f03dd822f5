import type { Plan } from '../../config/planSchema.js';
import type { DownWindow } from '../../load/stalls.js';
import type { VariantResult } from '../../result/result.js';

/*
 * The messages between the runner and a generator worker (`run --workers N`), over
 * the child's IPC channel. The runner owns the servers, the app and the faults; a
 * worker drives its slice of the users through the same load phase and audit.
 */

export type ToWorker =
  /** Log your users in against these app URLs, then say ready. */
  | { type: 'start'; variant: string; plan: Plan; userOffset: number; appUrls: string[] }
  /** The load starts now. */
  | { type: 'go' }
  /** The runner's load is over; where its faults kept targets down (ms after the load start). */
  | { type: 'sweep'; downWindows: DownWindow[] }
  | { type: 'abort' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'loaded' }
  | { type: 'result'; result: VariantResult }
  | { type: 'failed'; reason: string };
