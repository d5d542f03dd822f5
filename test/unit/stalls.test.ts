import { describe, expect, it } from 'vitest';
import { LogIndex } from '../../src/load/logIndex.js';
import { FailureKind, Outcome, RequestLog } from '../../src/load/requestLog.js';
import { findStall } from '../../src/load/stalls.js';
import { findUnexpectedExits } from '../../src/load/unexpectedExits.js';

const SATURATION = {
  mode: 'saturation',
  curve: 'constant',
  rateRps: 100,
  timeoutMs: 2_000,
} as const;

/** 1 ms answers every 10 ms over [0, endMs), except where `row` says otherwise. */
function log(
  endMs: number,
  row: (t: number) => [Outcome, FailureKind] | undefined = () => undefined,
) {
  const requests = new RequestLog();
  for (let t = 0; t < endMs; t += 10) {
    const [outcome, failure] = row(t) ?? [Outcome.Ok, FailureKind.None];
    requests.add(t, 1_000, outcome, failure);
  }
  return requests;
}

describe('findStall', () => {
  it('answers that stop for longer than the timeout are a stall, from where they stopped', () => {
    // Answers up to 3 s, then nothing until the load ends at 8 s (the saturation bug).
    expect(findStall(log(3_000), SATURATION, 8_000, [])).toEqual({ atMs: 2_991, forMs: 5_009 });
  });

  it("silence inside a fault's downtime is the fault's, not a stall", () => {
    const requests = log(8_000, (t) =>
      t >= 2_000 && t < 5_000 ? [Outcome.Timeout, 0] : undefined,
    );
    expect(
      findStall(requests, SATURATION, 8_000, [{ startMs: 2_000, endMs: 5_000 }]),
    ).toBeUndefined();
    expect(findStall(requests, SATURATION, 8_000, [])).toMatchObject({ atMs: 1_991 });
  });

  it('a gap shorter than the timeout, or a slow fixed rate, is no stall', () => {
    const requests = log(8_000, (t) => (t >= 2_000 && t < 3_500 ? [Outcome.Error, 0] : undefined));
    expect(findStall(requests, SATURATION, 8_000, [])).toBeUndefined();
    const sparse = new RequestLog();
    for (let t = 0; t < 20_000; t += 2_500) sparse.add(t, 1_000, Outcome.Ok);
    const slow = { mode: 'fixed', curve: 'constant', rateRps: 0.4, timeoutMs: 2_000 } as const;
    expect(findStall(sparse, slow, 20_000, [])).toBeUndefined();
  });
});

describe('findUnexpectedExits', () => {
  const refusedFrom = (fromMs: number) =>
    new LogIndex(
      log(6_000, (t) => (t >= fromMs ? [Outcome.Error, FailureKind.Refused] : undefined)),
    );

  it('every request refused for a second with no fault running is an app that died', () => {
    const exits = findUnexpectedExits([], refusedFrom(2_000), []);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ tMs: 2_000, target: 'app' });
  });

  it("refusals while a fault keeps the app down are the fault's", () => {
    const index = new LogIndex(
      log(6_000, (t) =>
        t >= 2_000 && t < 3_400 ? [Outcome.Error, FailureKind.Refused] : undefined,
      ),
    );
    expect(findUnexpectedExits([], index, [{ startMs: 2_000, endMs: 3_000 }])).toEqual([]);
  });

  it('a died event is taken as it is, and not counted twice with the refusals it explains', () => {
    const events = [{ tMs: 1_990, target: 'app0', event: 'died', detail: 'SIGKILL' }];
    expect(findUnexpectedExits(events, refusedFrom(2_000), [])).toEqual([
      { tMs: 1_990, target: 'app0', detail: 'SIGKILL' },
    ]);
    const nodeDied = [{ tMs: 500, target: 'node0', event: 'died' }];
    expect(findUnexpectedExits(nodeDied, refusedFrom(9_000), [])).toEqual([
      { tMs: 500, target: 'node0' },
    ]);
  });
});
