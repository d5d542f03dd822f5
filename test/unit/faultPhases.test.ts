import { describe, expect, it } from 'vitest';
import { faultPhases } from '../../src/faults/phases.js';
import { LogIndex } from '../../src/load/logIndex.js';
import { Outcome, RequestLog } from '../../src/load/requestLog.js';

/** 100 req/s of 2 ms answers from 0 until `untilMs`, nothing after. */
function logUntil(untilMs: number) {
  const log = new RequestLog();
  for (let t = 0; t < untilMs; t += 10) log.add(t, 2000, Outcome.Ok);
  return new LogIndex(log);
}

describe('faultPhases', () => {
  it('states the latency and rate of phases that had requests', () => {
    const phases = faultPhases(logUntil(10_000), 4000, 6000, 10_000);
    expect(phases.before).toMatchObject({ requests: 400, p50Us: 2000, throughputRps: 100 });
    expect(phases.during).toMatchObject({ requests: 200, p99Us: 2000, throughputRps: 100 });
  });

  it('an empty phase has no latency (null, not 0); one of no length has no rate', () => {
    // The load stopped at the fault: nothing was sent after it.
    const stopped = faultPhases(logUntil(4000), 4000, 6000, 10_000);
    expect(stopped.during).toMatchObject({ requests: 0, p50Us: null, p99Us: null });
    expect(stopped.during.throughputRps).toBe(0);
    // Recovered at once: the "during" phase has no length, so no rate either.
    const atOnce = faultPhases(logUntil(10_000), 4000, 4000, 10_000);
    expect(atOnce.during).toMatchObject({ requests: 0, throughputRps: null, p50Us: null });
    expect(atOnce.after.p50Us).toBe(2000);
  });
});
