import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Audit } from '../../src/audit/audit.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import type { AppClient, Reply } from '../../src/load/appClient.js';
import { FixedRateDriver } from '../../src/load/fixedRateDriver.js';
import { Ledger } from '../../src/load/ledger.js';
import { Measurements } from '../../src/load/measurements.js';
import { Workload } from '../../src/load/workload.js';

/**
 * An overloaded open loop ends its schedule with thousands of requests in flight and
 * waits for every answer. That wait once raced all of them per answer (a reaction on
 * each promise every time: quadratic, out of memory at ~28k req/s); now it is one
 * wake-up. An app that holds every answer until the schedule is over, then answers
 * one per turn of the event loop, shows the difference in seconds.
 */
describe('the fixed-rate driver waits for a backlog in linear time', () => {
  it('8,000 requests answered one by one after the schedule: all recorded, quickly', async () => {
    const users = 8_000;
    const plan = await loadPlan({
      scenario: 'smoke',
      rate: String(users),
      duration: '1s',
      users: String(users),
    });
    const held: (() => void)[] = [];
    const client = {
      send: (_action: string, user: number, _token: unknown, onSent?: () => void) => {
        onSent?.();
        return new Promise<Reply>((resolve) =>
          held.push(() =>
            resolve({ status: 200, userId: user, counter: 0, token: 'a'.repeat(32) }),
          ),
        );
      },
    } as unknown as AppClient;
    const ledger = new Ledger(users);
    const measurements = new Measurements();
    const audit = new Audit(ledger, () => measurements.now());
    measurements.startLoad();
    const signal = new AbortController().signal;
    const driver = new FixedRateDriver({
      load: plan.load,
      client,
      ledger,
      audit,
      measurements,
      signal,
      workload: new Workload(ledger, plan.load.mix, plan.load.seed),
    });
    const running = driver.run();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const answerOne = (): void => {
      held.shift()?.();
      if (held.length > 0) setImmediate(answerOne);
    };
    const startedMs = performance.now();
    answerOne();
    await running;
    expect(measurements.requests.total).toBe(users);
    expect(performance.now() - startedMs).toBeLessThan(3_000);
    // The run's signal outlives the load: its wait for the backlog leaves no listener
    // (11 loads on one signal, as capacity steps are, warned of a leak).
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  }, 20_000);
});
