/** Node's timers take at most this long (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolves once at least `ms` have passed on performance.now() (the clock every
 * figure uses), or as soon as `signal` aborts (at once if it already has).
 * A timer alone may fire up to 1 ms early on that clock (libuv counts whole
 * milliseconds), so a 1 s pause could measure 999 ms: the wait is topped up.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const until = performance.now() + ms;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const wait = () => {
      const leftMs = until - performance.now();
      if (leftMs <= 0) return done();
      timer = setTimeout(wait, Math.min(Math.ceil(leftMs), MAX_TIMER_MS));
    };
    signal?.addEventListener('abort', done, { once: true });
    wait();
  });
}
