import { describe, expect, it } from 'vitest';
import { faultImpact } from '../../src/faults/faultImpact.js';
import { LogIndex } from '../../src/load/logIndex.js';
import { Outcome, RequestLog } from '../../src/load/requestLog.js';

/** 100 req/s for 10 s of 1 ms answers, with a hook to change rows in a time range. */
function steadyLog(
  change: (intendedMs: number) => { latencyMs: number; outcome: Outcome } | undefined,
) {
  const log = new RequestLog();
  for (let t = 0; t < 10_000; t += 10) {
    const row = change(t) ?? { latencyMs: 1, outcome: Outcome.Ok };
    log.add(t, row.latencyMs * 1000, row.outcome);
  }
  return new LogIndex(log);
}

describe('faultImpact', () => {
  it('a fault that changes nothing has no unavailability and recovers at once', () => {
    const impact = faultImpact(
      steadyLog(() => undefined),
      5000,
      10_000,
      500,
    );
    expect(impact).toEqual({ unavailableMs: 0, recoveryMs: 0, errorsDuringFault: 0 });
  });

  it('refused requests for 300 ms: unavailable from the first failure to the first good answer', () => {
    const index = steadyLog((t) =>
      t >= 5000 && t < 5300 ? { latencyMs: 0.2, outcome: Outcome.Error } : undefined,
    );
    const impact = faultImpact(index, 5000, 10_000, 500);
    expect(impact.unavailableMs).toBe(301); // 5000 -> answer of the 5300 request at 5301
    expect(impact.errorsDuringFault).toBe(30);
    // Recovery is looked for from the first good answer on, never before it.
    expect(impact.recoveryMs).toBe(301);
  });

  it('requests never sent are neither failures nor good answers', () => {
    const index = steadyLog((t) => {
      if (t >= 5000 && t < 5300) return { latencyMs: 0.2, outcome: Outcome.Error };
      // Given up in the client's queue (fast here, to show speed does not make them good).
      if (t >= 5300 && t < 5400) return { latencyMs: 1, outcome: Outcome.NotSent };
      return undefined;
    });
    const impact = faultImpact(index, 5000, 10_000, 500);
    expect(impact.unavailableMs).toBe(401); // to the answer of the 5400 request at 5401
    expect(impact.errorsDuringFault).toBe(30);
  });

  it('a 1 s freeze fails nobody outright but counts as unavailable through slow answers', () => {
    const index = steadyLog((t) =>
      t >= 5000 && t < 6000 ? { latencyMs: 6000 - t + 1, outcome: Outcome.Ok } : undefined,
    );
    const impact = faultImpact(index, 5000, 10_000, 500);
    // First slow (>500 ms) request was intended at 5000; the first good answer came at ~6001.
    expect(impact.unavailableMs).toBeGreaterThanOrEqual(990);
    expect(impact.unavailableMs).toBeLessThanOrEqual(1010);
    expect(impact.recoveryMs).toBeGreaterThanOrEqual(impact.unavailableMs);
    expect(impact.recoveryMs).toBeLessThanOrEqual(1010);
    expect(impact.errorsDuringFault).toBe(0);
  });

  it('a fault never recovered within the run says so', () => {
    const index = steadyLog((t) =>
      t >= 5000 ? { latencyMs: 1, outcome: Outcome.Error } : undefined,
    );
    const impact = faultImpact(index, 5000, 10_000, 500);
    expect(impact.recoveryMs).toBeNull();
    expect(impact.unavailableMs).toBe(5000);
  });

  it('recovery never comes before the end of unavailability (mysql: 300 ms < 375 ms)', () => {
    // Refused from 5000 to 5300; the first good request (intended 5300) answers 75 ms
    // later: one slow answer does not move a window's p99, so the window from 5300 on
    // looked recovered before anything was served.
    const index = steadyLog((t) => {
      if (t >= 5000 && t < 5300) return { latencyMs: 0.2, outcome: Outcome.Error };
      if (t === 5300) return { latencyMs: 75, outcome: Outcome.Ok };
      return undefined;
    });
    const impact = faultImpact(index, 5000, 10_000, 500);
    expect(impact.unavailableMs).toBe(311); // the 5310 request answers first, at 5311
    expect(impact.recoveryMs).not.toBeNull();
    expect(impact.recoveryMs!).toBeGreaterThanOrEqual(impact.unavailableMs);
  });

  it('keeps the order for every outage length and answer delay', () => {
    for (let outageMs = 0; outageMs <= 900; outageMs += 150) {
      for (const slowAnswerMs of [1, 40, 90, 400]) {
        const index = steadyLog((t) => {
          if (t >= 5000 && t < 5000 + outageMs) return { latencyMs: 0.3, outcome: Outcome.Error };
          if (t === 5000 + outageMs) return { latencyMs: slowAnswerMs, outcome: Outcome.Ok };
          return undefined;
        });
        const impact = faultImpact(index, 5000.4, 10_000, 500);
        if (impact.recoveryMs !== null) {
          expect(impact.recoveryMs, `${outageMs}/${slowAnswerMs}`).toBeGreaterThanOrEqual(
            impact.unavailableMs,
          );
        }
      }
    }
  });
});
