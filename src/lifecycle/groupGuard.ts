import { spawn, type ChildProcess } from 'node:child_process';
import { nodeArgsFor, siblingModule } from '../paths.js';

const GUARD_MAIN = siblingModule(import.meta.url, 'groupGuardMain');

/**
 * Process groups die with session-bench even when it is SIGKILLed or crashes (no
 * cleanup runs then): a small detached process holds a pipe from us and, when the
 * pipe closes without a release, kills every group still guarded (as the docker
 * provider's watchdog removes containers). Started at the first guard; best effort:
 * a guard that cannot start leaves the normal stop paths as they are.
 */
export class GroupGuard {
  private child: ChildProcess | undefined;

  guard(pgid: number): void {
    this.send(`guard ${pgid}`);
  }

  release(pgid: number): void {
    if (this.child) this.send(`release ${pgid}`);
  }

  /** Every group released: the guard ends (a later guard() starts a new one). */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private send(line: string): void {
    const child = (this.child ??= startGuard());
    if (child.stdin?.writable) child.stdin.write(`${line}\n`);
  }
}

function startGuard(): ChildProcess {
  const child = spawn(process.execPath, nodeArgsFor(GUARD_MAIN), {
    // Its own session: a Ctrl-C to our terminal leaves it to do its job after us.
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.once('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  child.unref();
  // The pipe must not keep us alive either; it closes when we exit.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}
