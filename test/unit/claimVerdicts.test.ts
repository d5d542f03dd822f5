import { describe, expect, it } from 'vitest';
import { claimVerdict } from '../../src/claims/claimVerdicts.js';
import type { FaultResult, NeighborPhaseResult, VariantResult } from '../../src/result/result.js';
import { emptyVariantResult } from '../../src/result/emptyResult.js';

/** A completed variant of `users` users; `change` sets the figures a claim reads. */
function variant(name: string, change: Partial<VariantResult> = {}, users = 200): VariantResult {
  return {
    ...emptyVariantResult({
      variant: name,
      backend: name.split(':')[0]!,
      provider: 'process',
      server: null,
      status: 'completed',
      mode: 'fixed',
      usersTotal: users,
    }),
    ...change,
  };
}

function fault(action: 'restart' | 'kill', loggedOut: number, atFault = 200): FaultResult {
  return {
    atMs: action === 'restart' ? 6_000 : 14_000,
    startedMs: 6_000,
    endedMs: 6_500,
    action,
    target: 'store',
    targets: ['node0'],
    status: 'done',
    unavailableMs: 500,
    recoveryMs: 500,
    errorsDuringFault: 0,
    loggedOutUsers: loggedOut,
    lostUpdates: 0,
    loggedInUsersAtFault: atFault,
  };
}

const audit = (loggedOutUsers: number) => ({
  ...emptyVariantResult({
    variant: 'x',
    backend: 'x',
    provider: 'x',
    server: null,
    status: 'completed',
    mode: 'fixed',
  }).audit,
  loggedOutUsers,
});

function phase(
  p: NeighborPhaseResult['phase'],
  p99Ms: number,
  sessionRateRps?: number,
): NeighborPhaseResult {
  return {
    phase: p,
    ...(sessionRateRps ? { sessionRateRps } : {}),
    durationMs: 2_000,
    operations: 400,
    errors: 0,
    late: 0,
    latencyUs: { p50: 500, p90: 900, p99: p99Ms * 1000, p999: p99Ms * 1000, max: p99Ms * 1000 },
  };
}

const withNeighbor = (name: string, p99s: [number, number, number, number]) =>
  variant(name, {
    neighbor: {
      workload: 'oltp',
      status: 'done',
      rateRps: 200,
      phases: [
        phase('alone', p99s[0]),
        phase('beside', p99s[1], 350),
        phase('beside', p99s[2], 1050),
        phase('beside', p99s[3], 3500),
      ],
    },
  });

describe('the claims verdicts, from the figures in the results', () => {
  it("disk won't scale: holds under conditions when disk logs users out behind 2 instances and the shared store does not", () => {
    const v = claimVerdict('disk-scale', [
      variant('disk', { audit: audit(120) }),
      variant('redis'),
    ]);
    expect(v.verdict).toBe('holds under conditions');
    expect(v.conditions).toMatch(
      /disk logged out 60\.0% of its users while a shared store \(redis\) logged out 0%/,
    );
    expect(v.evidence[0]!.text).toMatch(/^120 of 200 users logged out/);
    expect(claimVerdict('disk-scale', [variant('disk'), variant('redis')]).verdict).toBe(
      'does not hold on this machine',
    );
  });

  it('a memcached restart: holds for the plain one, under conditions when the warm restart keeps them', () => {
    const plain = variant('memcached', { faults: [fault('restart', 198)] });
    expect(
      claimVerdict('memcached-restart', [
        plain,
        variant('memcached:warm', { faults: [fault('restart', 0)] }),
      ]),
    ).toMatchObject({ verdict: 'holds under conditions' });
    expect(
      claimVerdict('memcached-restart', [
        plain,
        variant('memcached:warm', { faults: [fault('restart', 199)] }),
      ]).verdict,
    ).toBe('holds');
    expect(
      claimVerdict('memcached-restart', [
        variant('memcached', { faults: [fault('restart', 10)] }),
        variant('memcached:warm', { faults: [fault('restart', 0)] }),
      ]).verdict,
    ).toBe('does not hold on this machine');
  });

  it('a skipped fault is "not measured", never a verdict read off zeros', () => {
    const skipped = { ...fault('restart', 0), status: 'skipped' as const, reason: 'no such node' };
    const v = claimVerdict('memcached-restart', [
      variant('memcached', { faults: [skipped] }),
      variant('memcached:warm', { faults: [fault('restart', 0)] }),
    ]);
    expect(v.verdict).toBe('not measured');
    expect(v.evidence[0]!.text).toBe('restart skipped: no such node');
  });

  it('a variant that failed or did not run makes the claim "not measured", saying which and why', () => {
    const failed = variant('memcached', { status: 'failed', reason: 'memcached not installed' });
    const v = claimVerdict('memcached-restart', [failed]);
    expect(v).toMatchObject({ verdict: 'not measured', evidence: [] });
    expect(v.conditions).toBe(
      'memcached:warm did not run; memcached failed: memcached not installed',
    );
  });

  it("the RDB hot spot: the first multiple of the peak where the neighbour's p99 doubles", () => {
    const at1 = claimVerdict('rdb-hotspot', [
      withNeighbor('mysql', [2, 5, 9, 30]),
      withNeighbor('postgres', [2, 4, 9, 30]),
    ]);
    expect(at1.verdict).toBe('holds');
    const later = claimVerdict('rdb-hotspot', [
      withNeighbor('mysql', [2, 2.5, 3, 30]),
      withNeighbor('postgres', [2, 2, 2, 3]),
    ]);
    expect(later.verdict).toBe('holds under conditions');
    expect(later.conditions).toMatch(
      /^mysql: the neighbour slowed from 10x the peak; postgres: the neighbour did not slow up to 10x the peak/,
    );
    expect(later.evidence[0]!.text).toMatch(
      /^neighbour p99 2\.00 ms alone; beside 350 req\/s: neighbour p99 2\.50 ms \(×1\.3\)/,
    );
    expect(
      claimVerdict('rdb-hotspot', [
        withNeighbor('mysql', [2, 2, 2, 2]),
        withNeighbor('postgres', [2, 2, 2, 2]),
      ]).verdict,
    ).toBe('does not hold on this machine');
  });

  it("the knee search's results add each RDB's knee in requests per day, and leave the verdict to the neighbour", () => {
    const knee = variant('mysql', {
      capacity: {
        slo: 'p99<50ms',
        stepFactor: 2,
        stepMs: 5_000,
        bisections: 2,
        steps: [],
        kneeRps: 700,
        kneeP50Us: 2_000,
        kneeP99Us: 9_490,
        limitedBy: 'store',
        peakFactor: 3,
        requestsPerDay: 20_160_000,
        arithmetic: '700 req/s x 86,400 s / 3 = 20,160,000 requests/day',
      },
    });
    const v = claimVerdict('rdb-hotspot', [
      withNeighbor('mysql', [2, 2, 2, 2]),
      withNeighbor('postgres', [2, 2, 2, 2]),
      knee,
    ]);
    expect(v.verdict).toBe('does not hold on this machine');
    expect(v.evidence.at(-1)).toEqual({
      variant: 'mysql',
      text: 'capacity search (p99<50ms): knee 700 req/s, p99 9.49 ms; 700 req/s x 86,400 s / 3 = 20,160,000 requests/day',
    });
  });

  it('a step whose sessions were not served on time is said, not read as "the neighbour was fine"', () => {
    const behind = withNeighbor('mysql', [2, 2, 2, 2]);
    const step = behind.neighbor!.phases[3]!;
    step.session = { requests: 7000, answered: 6000, p99Us: 5_000_000 };
    const v = claimVerdict('rdb-hotspot', [behind, withNeighbor('postgres', [2, 2, 2, 2])]);
    expect(v.verdict).toBe('holds under conditions');
    expect(v.conditions).toMatch(
      /^mysql: from 10x the peak the sessions themselves were not served on time .*, the neighbour did not slow; postgres: the neighbour did not slow/,
    );
    expect(v.evidence[0]!.text).toMatch(/sessions p99 5000 ms, 6000 of 7000 answered$/);
  });

  it('Redis persists only a little: which variants lost sessions on a kill', () => {
    const redis = (name: string, killLoss: number, restartLoss = 0) =>
      variant(name, { faults: [fault('restart', restartLoss), fault('kill', killLoss)] });
    const v = claimVerdict('redis-persistence', [
      redis('redis', 200),
      redis('redis:none', 200, 200),
      redis('redis:rdb', 40),
      redis('redis:aof-everysec', 0),
      redis('redis:aof-always', 0),
    ]);
    expect(v.verdict).toBe('holds under conditions');
    expect(v.conditions).toMatch(
      /on a kill redis, redis:none, redis:rdb lost sessions \(the defaults: 100% of those logged in\), redis:aof-everysec, redis:aof-always lost none/,
    );
    expect(v.evidence).toHaveLength(10);
  });
});
