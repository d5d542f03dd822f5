import { describe, expect, it } from 'vitest';
import { expectationFor, matchesExpectation } from '../../src/faults/expectations.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { selectVariants } from '../../src/backends/registry.js';

describe('matchesExpectation', () => {
  it('a kill followed by a pause: losses shared with the pause still fit "all"', () => {
    // memory kill app0 152/188 with 36 more that the later pause could also have caused.
    const verdict = matchesExpectation('all', {
      loggedOutUsers: 152,
      lostUpdates: 0,
      loggedInUsersAtFault: 188,
      ambiguousLoggedOutUsers: 36,
    });
    expect(verdict).toEqual({ matches: true });
  });

  it('"all" is a mismatch only when even the shared losses fall short', () => {
    const verdict = matchesExpectation('all', {
      loggedOutUsers: 20,
      lostUpdates: 0,
      loggedInUsersAtFault: 188,
      ambiguousLoggedOutUsers: 10,
    });
    expect(verdict.matches).toBe(false);
    expect(verdict.reason).toContain('30 of 188');
  });

  it('"none" with losses only another fault could share cannot be decided', () => {
    const verdict = matchesExpectation('none', {
      loggedOutUsers: 0,
      lostUpdates: 0,
      ambiguousLoggedOutUsers: 4,
    });
    expect(verdict.matches).toBeNull();
    expect(verdict.reason).toMatch(/could be this fault's or an overlapping one's/);
  });

  it('"none" with a loss of its own, even outside the counted population, is a mismatch', () => {
    expect(
      matchesExpectation('none', {
        loggedOutUsers: 0,
        lostUpdates: 0,
        loggedOutOutsidePopulation: 1,
      }).matches,
    ).toBe(false);
    expect(matchesExpectation('none', { loggedOutUsers: 0, lostUpdates: 0 })).toEqual({
      matches: true,
    });
  });

  it('"all" with nobody surely logged in at the fault cannot be decided', () => {
    const verdict = matchesExpectation('all', {
      loggedOutUsers: 0,
      lostUpdates: 0,
      loggedInUsersAtFault: 0,
    });
    expect(verdict.matches).toBeNull();
  });
});

describe('the durability table for PostgreSQL', () => {
  it('cites the PostgreSQL docs, and the matrix scenario covers all three variants', async () => {
    expect(expectationFor('postgres', 'kill')).toMatchObject({ loss: 'none' });
    expect(expectationFor('postgres:async', 'kill')).toMatchObject({ loss: 'recent' });
    expect(expectationFor('postgres:unlogged', 'kill')).toMatchObject({ loss: 'all' });
    for (const variant of ['postgres', 'postgres:async', 'postgres:unlogged']) {
      expect(expectationFor(variant, 'restart'), variant).toMatchObject({ loss: 'none' });
      for (const action of ['restart', 'kill'] as const) {
        expect(expectationFor(variant, action)!.source).toMatch(
          /^https:\/\/www\.postgresql\.org\/docs\//,
        );
      }
    }
    const matrix = await loadPlan({ scenario: 'matrix' });
    expect(selectVariants(matrix.variants).ids).toEqual(
      expect.arrayContaining(['postgres', 'postgres:async', 'postgres:unlogged']),
    );
  });
});
