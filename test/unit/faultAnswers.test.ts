import { describe, expect, it } from 'vitest';
import { faultAnswers } from '../../src/faults/faultAnswers.js';
import { LogIndex } from '../../src/load/logIndex.js';
import { FailureKind, Outcome, RequestLog } from '../../src/load/requestLog.js';
import { answersText } from '../../src/report/reporters/common.js';
import type { FaultResult } from '../../src/result/result.js';

describe('how the app answered during a fault', () => {
  it('counts by kind the requests intended inside the window only', () => {
    const log = new RequestLog();
    log.add(900, 1000, Outcome.Error, FailureKind.Unavailable503); // before the fault
    log.add(1000, 1000, Outcome.Ok);
    log.add(1100, 2_000_000, Outcome.Error, FailureKind.Unavailable503);
    log.add(1200, 1000, Outcome.LoginWall);
    log.add(1300, 1000, Outcome.Error, FailureKind.Refused);
    log.add(1400, 5_000_000, Outcome.Timeout);
    log.add(1500, 5_000_000, Outcome.NotSent);
    log.add(2000, 1000, Outcome.Error, FailureKind.Unavailable503); // after it
    expect(faultAnswers(new LogIndex(log), 1000, 2000)).toEqual({
      ok: 1,
      unavailable503: 1,
      loginWall401: 1,
      errors: 1,
      timeouts: 1,
      notSent: 1,
    });
  });

  it('renders as one short clause, and nothing for results without it', () => {
    const f = {
      answers: { ok: 812, unavailable503: 95, loginWall401: 0, errors: 3, timeouts: 0 },
    } as FaultResult;
    expect(answersText(f)).toBe('; during it 812 ok, 95×503, 0×401, 3 err');
    f.answers!.notSent = 40;
    expect(answersText(f)).toBe('; during it 812 ok, 95×503, 0×401, 3 err, 40 not sent');
    expect(answersText({} as FaultResult)).toBe('');
  });
});
