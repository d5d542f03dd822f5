/* What every replicated topology does while it forms and while its roles are watched,
 * whatever its engine: wait for a state, retry a probe, order and find its members. */
import { InterruptedError } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import type { Member } from './serverSpec.js';
import { hostPort } from './backend.js';

/** How often a topology's formation, its roles and the failover probe ask again. */
export const PROBE_INTERVAL_MS = 50;
/** The member listening on `port`, by name. */
export function memberAt(members: Member[], port: number | string): string | undefined {
  return members.find((m) => hostPort(m.endpoint).port === Number(port))?.name;
}

/** Asks `check` every PROBE_INTERVAL_MS until it returns true; throws `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not yet';
  for (;;) {
    if (signal.aborted) throw new InterruptedError(`interrupted while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last})`);
    }
    await sleep(PROBE_INTERVAL_MS, signal).catch(() => undefined);
  }
}

/** Resolves with the first non-undefined answer of `attempt`, tried every PROBE_INTERVAL_MS. */
export async function retryUntil<T>(
  signal: AbortSignal,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  for (;;) {
    if (signal.aborted) throw new InterruptedError('probe stopped');
    const answer = await attempt().catch(() => undefined);
    if (answer !== undefined) return answer;
    await sleep(PROBE_INTERVAL_MS, signal).catch(() => undefined);
  }
}

/** Node members sorted by index, names node0, node1, ... */
export function byIndex(members: Member[]): Member[] {
  return [...members].sort(
    (a, b) => Number(a.name.replace(/\D/g, '')) - Number(b.name.replace(/\D/g, '')),
  );
}
