import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { NotReadyError, waitReady, type WaitReadyOptions } from '../../src/lifecycle/waitReady.js';

const base = { what: 'node0: fake', intervalMs: 10, attemptTimeoutMs: 200, deadlineMs: 2_000 };

/** A probe that fails `failures` times, then answers; counts its calls. */
function flaky(failures: number) {
  const probe = Object.assign(
    async () => {
      probe.calls++;
      if (probe.calls <= failures) throw new Error(`refused ${probe.calls}`);
    },
    { calls: 0 },
  );
  return probe;
}

const never = () => new Promise<never>(() => {});

async function failure(options: WaitReadyOptions): Promise<unknown> {
  return waitReady(options).then(
    () => 'ready',
    (error: unknown) => error,
  );
}

// Time limits are far below what the wrong behaviour would take (5-10 s or never)
// and far above what a loaded 2-core machine needs.
describe('waitReady', () => {
  it('retries a failing probe until it answers, pausing the interval between attempts', async () => {
    const probe = flaky(3);
    const startMs = performance.now();
    await waitReady({ ...base, intervalMs: 30, probe });
    expect(probe.calls).toBe(4);
    expect(performance.now() - startMs).toBeGreaterThanOrEqual(90);
  });

  it('gives up at the deadline with the last problem', async () => {
    const startMs = performance.now();
    const error = await failure({ ...base, deadlineMs: 150, probe: flaky(1_000) });
    expect(error).toBeInstanceOf(NotReadyError);
    expect(error).toMatchObject({ reason: 'timeout', waitedMs: 150 });
    expect((error as NotReadyError).lastProblem).toMatch(/^refused \d+$/);
    expect(performance.now() - startMs).toBeLessThan(1_500);
  });

  it('bounds each attempt: a probe that never settles times out, the next one answers', async () => {
    let calls = 0;
    const probe = () => (++calls === 1 ? never() : Promise.resolve());
    const startMs = performance.now();
    await waitReady({ ...base, attemptTimeoutMs: 50, probe });
    expect(calls).toBe(2);
    expect(performance.now() - startMs).toBeLessThan(2_000);
  });

  it('never waits past the deadline for a hanging attempt', async () => {
    const startMs = performance.now();
    const error = await failure({
      ...base,
      attemptTimeoutMs: 5_000,
      deadlineMs: 100,
      probe: never,
    });
    expect(error).toMatchObject({ reason: 'timeout', lastProblem: 'no answer within 100 ms' });
    expect(performance.now() - startMs).toBeLessThan(2_500);
  });

  it('stops at once when the target is not alive any more', async () => {
    const probe = flaky(1_000);
    let checks = 0;
    const alive = () => (++checks < 3 ? undefined : 'exited (code 3)');
    const error = await failure({ ...base, probe, alive });
    expect(error).toMatchObject({ reason: 'died', lastProblem: 'exited (code 3)' });
    expect(probe.calls).toBe(3);
  });

  it('a death ends an attempt in progress, and a late answer from a dead target does not count', async () => {
    let died: (how: string) => void = () => {};
    const diedPromise = new Promise<string>((resolve) => (died = resolve));
    setTimeout(() => died('SIGKILL'), 30);
    const startMs = performance.now();
    const error = await failure({
      ...base,
      attemptTimeoutMs: 5_000,
      probe: never,
      died: diedPromise,
    });
    expect(error).toMatchObject({ reason: 'died', lastProblem: 'SIGKILL' });
    expect(performance.now() - startMs).toBeLessThan(2_500);
    const answeredLate = await failure({
      ...base,
      probe: () => Promise.resolve(),
      died: diedPromise,
    });
    expect(answeredLate).toMatchObject({ reason: 'died' });
  });

  it('an abort in the middle of an attempt or of the interval throws InterruptedError at once', async () => {
    for (const [probe, intervalMs] of [
      [never, 10],
      [flaky(1_000), 10_000],
    ] as const) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const startMs = performance.now();
      const error = await failure({
        ...base,
        attemptTimeoutMs: 10_000,
        deadlineMs: 60_000,
        intervalMs,
        probe,
        signal: controller.signal,
      });
      expect(error).toBeInstanceOf(InterruptedError);
      expect((error as Error).message).toBe('node0: fake: interrupted while starting');
      expect(performance.now() - startMs).toBeLessThan(2_500);
    }
  });

  it('does not probe at all when the signal has already aborted', async () => {
    const probe = flaky(0);
    const error = await failure({ ...base, probe, signal: AbortSignal.abort() });
    expect(error).toBeInstanceOf(InterruptedError);
    expect(probe.calls).toBe(0);
  });
});
