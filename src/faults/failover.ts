import type { Roles } from '../lifecycle/faultTarget.js';
import { sleep } from '../lifecycle/sleep.js';
import type { Measurements } from '../load/measurements.js';

/** See FaultResult.failover. */
export interface FailoverFigures {
  primaryBefore: string | null;
  primaryAfter: string | null;
  failoverMs: number | null;
  promoted: boolean;
}

/** How soon the probe writes again after the former primary answered during a split. */
const PROBE_AGAIN_MS = 50;

export interface FailoverWatch {
  /** The fault's start: failoverMs counts from here. */
  from(startedMs: number): void;
  /**
   * Starts the write probe (once the target is down); later calls do nothing. With
   * `elsewhere` (a network fault: the former primary may still serve the app), a write
   * the former primary acknowledges does not end the failover until `ended()`: during
   * a split brain that is the old side answering, not a failover done.
   */
  probe(options?: { elsewhere: boolean }): void;
  /** The fault ended (a partition healed): the former primary counts again. */
  ended(): void;
  /** Waits for the probe's first acknowledged write (or the end of the load). */
  figures(): Promise<FailoverFigures>;
}

/**
 * For a fault that hits the current primary: failover time is from the fault's start
 * to the first write a primary acknowledges to the probe, and which primary that was.
 * undefined when the fault does not hit the primary. The probe gives up when the load
 * ends (or the run stops): failoverMs is then null, never a guess.
 */
export async function startFailoverWatch(
  roles: Roles,
  targets: string[],
  ctx: { measurements: Measurements; signal: AbortSignal },
): Promise<FailoverWatch | undefined> {
  const before = await roles.resolveRole('primary').catch(() => undefined);
  if (!before || !targets.includes(before)) return undefined;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const loadEnded = setInterval(() => {
    if (ctx.measurements.loadEndedMs !== undefined) stop.abort();
  }, 50);
  let startedMs = ctx.measurements.now();
  let acked: Promise<{ node: string; atMs: number } | undefined> | undefined;
  let faultOver = false;
  const firstWrite = async (elsewhere: boolean): Promise<string> => {
    for (;;) {
      const node = await roles.firstAcknowledgedWrite(before, stop.signal);
      if (!elsewhere || node !== before || faultOver) return node;
      await sleep(PROBE_AGAIN_MS, stop.signal);
    }
  };
  const probe = (options?: { elsewhere: boolean }) => {
    acked ??= firstWrite(options?.elsewhere ?? false).then(
      (node) => ({ node, atMs: ctx.measurements.now() }),
      () => undefined,
    );
  };
  return {
    from: (ms) => (startedMs = ms),
    probe,
    ended: () => void (faultOver = true),
    async figures() {
      probe();
      const answer = await acked;
      clearInterval(loadEnded);
      ctx.signal.removeEventListener('abort', onAbort);
      return {
        primaryBefore: before,
        primaryAfter: answer?.node ?? null,
        failoverMs: answer ? Math.round(answer.atMs - startedMs) : null,
        promoted: answer !== undefined && answer.node !== before,
      };
    },
  };
}
