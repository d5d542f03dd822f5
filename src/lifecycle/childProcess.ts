import type { ChildProcess } from 'node:child_process';

/** Resolves when the child has exited (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal`, and SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  const exited = waitForExit(child);
  if (!isRunning(child)) return;
  child.kill('SIGCONT'); // a paused child cannot handle SIGTERM
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** True until the child has exited (or was killed). */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** How the child ended: its signal ("SIGKILL") or "code N". */
export function exitDetail(child: ChildProcess): string {
  return child.signalCode ?? `code ${child.exitCode}`;
}
