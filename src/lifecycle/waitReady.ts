import { InterruptedError, errorMessage } from '../errors.js';
import { sleep } from './sleep.js';

export interface WaitReadyOptions {
  /** Names the target in the interrupt message, e.g. "node0: redis-server". */
  what: string;
  /** One readiness attempt: resolves once the target serves, rejects while it does not. */
  probe: () => Promise<unknown>;
  /**
   * Why the target is gone (e.g. "exited (code 1)"), or undefined while it runs.
   * Asked after every attempt: a dead target is not waited for until the deadline.
   */
  alive?: () => Promise<string | undefined> | string | undefined;
  /** Settles with why the target died: ends an attempt still in progress at once. */
  died?: Promise<string>;
  /** Pause between two failed attempts. */
  intervalMs: number;
  /** One attempt may not take longer (a paused or half-up server never answers). */
  attemptTimeoutMs: number;
  /** The whole wait may not take longer than this, counted from the call. */
  deadlineMs: number;
  /** Ctrl-C: give up at once, even in the middle of an attempt. */
  signal?: AbortSignal;
}

/** The target did not become ready: it died, or the deadline passed. */
export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
  constructor(
    readonly reason: 'died' | 'timeout',
    /** What the last failed attempt said (or how the target died). */
    readonly lastProblem: string,
    readonly waitedMs: number,
  ) {
    super(
      reason === 'died'
        ? `died while starting: ${lastProblem}`
        : `not ready within ${waitedMs} ms (last: ${lastProblem})`,
    );
  }
}

type Outcome = { ready: true } | { ready: false; problem: string } | { died: string };

/**
 * Polls `probe` until it succeeds, as testcontainers' wait strategies do with their
 * interval retry: each attempt bounded, the whole wait bounded, and a dead target or
 * an interrupt ends it at once. Throws NotReadyError or InterruptedError.
 */
export async function waitReady(options: WaitReadyOptions): Promise<void> {
  const { signal, deadlineMs } = options;
  const startMs = performance.now();
  const elapsedMs = () => performance.now() - startMs;
  let lastProblem = 'no answer yet';
  let diedHow: string | undefined;
  void options.died?.then((how) => (diedHow = how));
  for (;;) {
    throwIfInterrupted(options);
    const leftMs = Math.max(1, Math.ceil(deadlineMs - elapsedMs()));
    const outcome = await attempt(options, Math.min(options.attemptTimeoutMs, leftMs));
    throwIfInterrupted(options);
    if ('ready' in outcome && outcome.ready && diedHow === undefined) return;
    const gone = 'died' in outcome ? outcome.died : (diedHow ?? (await options.alive?.()));
    if (gone !== undefined) throw new NotReadyError('died', gone, Math.round(elapsedMs()));
    if ('problem' in outcome) lastProblem = outcome.problem;
    if (elapsedMs() >= deadlineMs) throw new NotReadyError('timeout', lastProblem, deadlineMs);
    await sleep(Math.min(options.intervalMs, deadlineMs - elapsedMs()), signal);
  }
}

function throwIfInterrupted({ signal, what }: WaitReadyOptions): void {
  if (signal?.aborted) throw new InterruptedError(`${what}: interrupted while starting`);
}

/** One probe, raced against its timeout, the target's death and the interrupt. */
async function attempt(options: WaitReadyOptions, timeoutMs: number): Promise<Outcome> {
  const { signal } = options;
  const settled = new AbortController();
  let onAbort: (() => void) | undefined;
  const racers: Promise<Outcome>[] = [
    Promise.resolve()
      .then(options.probe)
      .then(
        (): Outcome => ({ ready: true }),
        (error: unknown): Outcome => ({ ready: false, problem: errorMessage(error) }),
      ),
    // sleep, not a bare timer: a timer may fire before the deadline on performance.now().
    sleep(timeoutMs, settled.signal).then((): Outcome => ({
      ready: false,
      problem: `no answer within ${timeoutMs} ms`,
    })),
    new Promise((resolve) => {
      onAbort = () => resolve({ ready: false, problem: 'interrupted' });
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ];
  if (options.died) racers.push(options.died.then((how): Outcome => ({ died: how })));
  try {
    return await Promise.race(racers);
  } finally {
    // Cleared at once: a finished run does not linger for an attempt's timer.
    settled.abort();
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
