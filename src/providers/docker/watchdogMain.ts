/**
 * The watchdog's process (see watchdog.ts): waits until the session-bench process
 * that started it is gone (its stdin pipe closes), then removes the containers,
 * volumes and networks labelled with the run id given as argument, and ends.
 */
import { removeLabelled } from '../dockerClean.js';

const runId = process.argv[2];
if (!runId) throw new Error('usage: watchdogMain <runId>');

let swept = false;
async function sweep(): Promise<void> {
  if (swept) return;
  swept = true;
  // Every Docker call is bounded; this bounds the whole sweep too (an uncaught throw ends us).
  setTimeout(() => {
    throw new Error('watchdog: the sweep took over 120 s');
  }, 120_000).unref();
  await removeLabelled({ runId, force: true }).catch(() => undefined);
  process.stdin.destroy();
}

process.stdin.once('end', () => void sweep());
process.stdin.once('close', () => void sweep());
process.stdin.resume();
