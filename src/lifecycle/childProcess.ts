import type { ChildProcess } from 'node:child_process';
import { groupAlive } from './processTree.js';
import { sleep } from './sleep.js';

/** Sends a signal to the child, or to everything in its process group; false if nothing got it. */
export type Signaller = (signal: NodeJS.Signals) => boolean;

/** Resolves when the child has exited (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Sends `signal`, and SIGKILL if the child is still there after `graceMs`. `send`
 * replaces child.kill, e.g. to reach the child's whole process group.
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs: number,
  send: Signaller = (s) => child.kill(s),
): Promise<void> {
  const exited = waitForExit(child);
  if (!isRunning(child)) return;
  send('SIGCONT'); // a paused child cannot handle SIGTERM
  send(signal);
  const timer = setTimeout(() => send('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Signals every process of group `pgid`; false when the group is empty. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** How long a process group may take to empty after SIGKILL. */
const GROUP_KILL_WAIT_MS = 10_000;

/**
 * Waits until process group `pgid` is empty (its leader may be gone while a child of
 * a shell still holds the port); SIGKILL to the group after `graceMs`. False when
 * something in it outlived SIGKILL for GROUP_KILL_WAIT_MS.
 */
export async function groupGone(pgid: number, graceMs: number): Promise<boolean> {
  const killAt = performance.now() + graceMs;
  let killedAt: number | undefined;
  while (groupAlive(pgid)) {
    const now = performance.now();
    if (killedAt === undefined && now >= killAt) {
      killedAt = now;
      signalGroup(pgid, 'SIGKILL');
    }
    if (killedAt !== undefined && now - killedAt > GROUP_KILL_WAIT_MS) return false;
    await sleep(20);
  }
  return true;
}

/** True until the child has exited (or was killed). */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** How the child ended: its signal ("SIGKILL") or "code N". */
export function exitDetail(child: ChildProcess): string {
  return child.signalCode ?? `code ${child.exitCode}`;
}
