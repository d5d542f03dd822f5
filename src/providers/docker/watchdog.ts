import { spawn, type ChildProcess } from 'node:child_process';
import { errorMessage } from '../../errors.js';
import { nodeArgsFor, siblingModule } from '../../paths.js';

/**
 * Containers die with session-bench even when it is SIGKILLed (no exit hook runs
 * then): a small detached process holds a pipe from us and, when the pipe closes
 * however we ended, removes everything labelled with the run id (testcontainers'
 * Ryuk, without an image). One per run id per process.
 */
const WATCHDOG_MAIN = siblingModule(import.meta.url, 'watchdogMain');
const watchdogs = new Map<string, Promise<WatchdogState>>();

export type WatchdogState = { running: true; pid: number } | { running: false; why: string };

export function ensureWatchdog(runId: string): Promise<WatchdogState> {
  let state = watchdogs.get(runId);
  if (!state) {
    state = startWatchdog(runId);
    watchdogs.set(runId, state);
  }
  return state;
}

/** What a user reads in the variant's detail: is `clean` needed after a SIGKILL? */
export function watchdogHint(state: WatchdogState): string {
  return state.running
    ? `containers are removed if session-bench dies, even by SIGKILL (watchdog pid ${state.pid})`
    : `no watchdog (${state.why}): containers left by a SIGKILL are removed by \`session-bench clean\``;
}

function startWatchdog(runId: string): Promise<WatchdogState> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        [...nodeArgsFor(WATCHDOG_MAIN), runId],
        // Its own session: a Ctrl-C to our terminal leaves it to do its job after us.
        { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
      );
    } catch (error) {
      resolve({ running: false, why: errorMessage(error) });
      return;
    }
    child.once('error', (error) => resolve({ running: false, why: errorMessage(error) }));
    child.once('spawn', () => {
      child.unref();
      // The pipe must not keep us alive either; it closes when we exit.
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      resolve({ running: true, pid: child.pid! });
    });
  });
}
