import { InterruptedError } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import type { VariantRun } from './variantRun.js';
import type { VariantState } from './variantState.js';

/**
 * Holds the load until the wall-clock time the shards agreed on (--start-at), with
 * servers up and users logged in; a shard that gets there late starts at once and
 * says so in its events. Records when the load really began.
 */
export async function waitForLoadStart(run: VariantRun, state: VariantState): Promise<void> {
  const atMs = run.loadStartAtMs;
  if (atMs !== undefined) {
    const waitMs = atMs - Date.now();
    if (waitMs > 0) {
      run.progress?.phase(
        run.variant,
        `waiting until ${new Date(atMs).toISOString()} to start the load`,
      );
      await sleep(waitMs, run.signal);
      if (run.signal.aborted)
        throw new InterruptedError('interrupted while waiting for --start-at');
    } else {
      state.events.record(
        'load',
        'late-start',
        `${Math.round(-waitMs)} ms after its planned start ${new Date(atMs).toISOString()}`,
      );
    }
  }
  state.result.loadStartedAt = new Date().toISOString();
}
