import { describe, expect, it } from 'vitest';
import { Ledger, UserFlag } from '../../src/load/ledger.js';
import { Workload } from '../../src/load/workload.js';

describe('Ledger', () => {
  it('keeps hex session ids in its arrays and other tokens aside', () => {
    const ledger = new Ledger(3);
    ledger.token.set(0, '0123456789abcdef0123456789abcdef');
    ledger.token.set(1, 'eyJpIjoiYSJ9.c2lnbmF0dXJl');
    expect(ledger.token.get(0)).toBe('0123456789abcdef0123456789abcdef');
    expect(ledger.token.get(1)).toBe('eyJpIjoiYSJ9.c2lnbmF0dXJl');
    ledger.token.set(1, 'ffffffffffffffffffffffffffffffff');
    expect(ledger.token.get(1)).toBe('ffffffffffffffffffffffffffffffff');
  });

  it('costs well under 64 bytes per user', () => {
    expect(new Ledger(10_000).byteLength / 10_000).toBeLessThanOrEqual(64);
  });
});

describe('Workload', () => {
  const mix = { read: 0.7, update: 0.25, logout: 0.05, replay: 0.5 };

  it('never picks a busy user, and says so when all are busy', () => {
    const ledger = new Ledger(3);
    const workload = new Workload(ledger, mix, 7);
    const users = [workload.next()!.user, workload.next()!.user, workload.next()!.user];
    expect(new Set(users).size).toBe(3);
    expect(workload.next()).toBeNull();
    workload.done(users[1]!);
    expect(workload.next()!.user).toBe(users[1]);
  });

  it('logged-out users log in, logged-in users follow the mix', () => {
    const ledger = new Ledger(1000);
    const workload = new Workload(ledger, mix, 1);
    expect(workload.next()!.action).toBe('login');
    for (let u = 0; u < 1000; u++) ledger.set(u, UserFlag.LoggedIn);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const step = workload.next()!;
      counts[step.action] = (counts[step.action] ?? 0) + 1;
      workload.done(step.user);
    }
    expect(counts.read! / 10_000).toBeCloseTo(0.7, 1);
    expect(counts.update! / 10_000).toBeCloseTo(0.25, 1);
    expect(counts.logout! / 10_000).toBeCloseTo(0.05, 1);
  });

  it('is repeatable for a seed', () => {
    const run = (seed: number) => {
      const workload = new Workload(new Ledger(100), mix, seed);
      return Array.from({ length: 20 }, () => workload.next()!.user);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });
});
