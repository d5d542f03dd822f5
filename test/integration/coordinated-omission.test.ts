import { describe, expect, it } from 'vitest';
import { variantNotes } from '../../src/report/reporters/common.js';
import { variantSummaryLine } from '../../src/report/reporters/summaryLine.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

describe('fixed mode measures latency from the intended send time', () => {
  it('a 1 s stall at 200 req/s shows in p99 (700-1300 ms) but not in p50, with every request counted', async () => {
    const run = await runSmoke({
      backends: 'memory',
      rate: '200',
      duration: '10s',
      users: '1000',
      faults: ['pause:app@4s:1s'],
    });
    const memory = resultFor(run, 'memory');
    const p99Ms = memory.latencyUs.p99 / 1000;
    const p50Ms = memory.latencyUs.p50 / 1000;
    expect(p99Ms).toBeGreaterThanOrEqual(700);
    expect(p99Ms).toBeLessThanOrEqual(1300);
    expect(p50Ms).toBeLessThan(50);
    // 200 req/s for 10 s: every arrival is sent and counted, none silently dropped.
    expect(memory.requests.total).toBe(2000);
    expect(memory.requests.ok).toBe(2000);
    const pause = memory.faults[0]!;
    expect(pause.unavailableMs).toBeGreaterThan(500);
    expect(pause.unavailableMs).toBeLessThan(1500);
    expect(pause.recoveryMs).not.toBeNull();
    expect(memory.audit.loggedOutUsers).toBe(0);
    // The generator's own loop is timed too (whether it, not the app, made requests late).
    expect(memory.generator?.lagMaxUs).toBeGreaterThan(0);
    expect(memory.generator?.behind).toBeTypeOf('boolean');
  });

  it('requests that wait in the client for a connection past the timeout are not sent, not the app errors', async () => {
    // One connection, 1,000 req/s and a 300 ms timeout: while the app is paused for 1 s a
    // request holds the connection until it times out, the next one is sent only when
    // it frees, and most wait in the client until their own timeout, never sent (after
    // the pause too: one connection does not keep up with 1,000 req/s).
    const run = await runSmoke(
      {
        backends: 'memory',
        rate: '1000',
        duration: '6s',
        users: '1000',
        faults: ['pause:app@2s:1s'],
      },
      (plan) => {
        plan.load.timeoutMs = 300;
        plan.load.maxConnections = 1;
      },
    );
    const memory = resultFor(run, 'memory');
    const { total, ok, errors, timeouts, notSent = 0, late } = memory.requests;
    expect(total).toBe(6000);
    expect(ok + errors + timeouts + notSent).toBe(total);
    expect(notSent).toBeGreaterThan(300);
    expect(timeouts).toBeGreaterThan(0);
    expect(timeouts).toBeLessThan(notSent);
    // They waited the whole timeout: late, every one; and none can have taken effect.
    expect(late).toBeGreaterThanOrEqual(notSent);
    expect(memory.audit.indeterminate ?? 0).toBeLessThanOrEqual(errors + timeouts);
    expect(memory.faults[0]!.answers?.notSent).toBeGreaterThan(0);
    expect(variantSummaryLine(memory)).toContain(
      `${errors + timeouts} errors, ${notSent} not sent`,
    );
    expect(variantNotes(memory).join('\n')).toContain(`memory: ${notSent} requests not sent`);
  });
});
