import { describe, expect, it } from 'vitest';
import type { VariantResult } from '../../src/result/result.js';
import { isGone, missingServers, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';
import { listening } from '../helpers/ports.js';

const missing = await missingServers([['redis-server']]);

/** Detection (down-after / node timeout, 2 s by default) + election + client reconnect. */
const DETECTION_MS = 2_000;
/** What the margin allows on a shared, loaded machine: election, reconfiguration, probe. */
const MARGIN_MS = 6_000;

/** Pids of every member (nodes and sentinels), initial starts and restarts. */
function memberPids(result: VariantResult): number[] {
  return result.events
    .filter((e) => /^(node|sentinel)\d+$/.test(e.target) && e.event === 'start')
    .map((e) => Number(/pid (\d+)/.exec(e.detail ?? '')?.[1]))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Ports the members listened on, from their start events ("... at 127.0.0.1:port"). */
function memberPorts(result: VariantResult): number[] {
  return result.events
    .filter((e) => /^(node|sentinel)\d+$/.test(e.target) && e.event === 'start')
    .map((e) => Number(/127\.0\.0\.1:(\d+)/.exec(e.detail ?? '')?.[1]))
    .filter((port) => Number.isInteger(port) && port > 0);
}

/** `starts`: every member once, plus one per fault that started one again. */
async function expectNothingLeft(result: VariantResult, starts: number): Promise<void> {
  const pids = memberPids(result);
  expect(pids.length, `${result.variant}: member starts`).toBe(starts);
  for (const pid of pids) expect(isGone(pid), `${result.variant}: pid ${pid}`).toBe(true);
  const ports = memberPorts(result);
  expect(ports.length, `${result.variant}: ports in the events`).toBeGreaterThan(0);
  for (const port of ports) expect(await listening(port), `port ${port} still open`).toBe(false);
}

describe.skipIf(skipServerTests(missing))('replicated redis on local processes', () => {
  it('kill:primary: a replica is promoted, writes resume in time, figures reported, nothing left', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '12s',
      provider: 'process',
      backends: 'redis:sentinel,redis:cluster',
      // Kept down 4 s: longer than detection, so the topology must fail over.
      // Sentinels are fault targets too; a cluster has none and says so.
      faults: ['kill:primary@3s:4s', 'restart:sentinel0@10s'],
    });
    for (const [variant, members] of [
      ['redis:sentinel', 6],
      ['redis:cluster', 6],
    ] as const) {
      const result = resultFor(run, variant);
      const fault = result.faults[0]!;
      expect(fault.status, variant).toBe('done');
      const failover = fault.failover!;
      expect(failover, variant).toBeDefined();
      expect(fault.targets, variant).toEqual([failover.primaryBefore]);
      expect(failover.promoted, JSON.stringify(failover)).toBe(true);
      expect(failover.primaryAfter).not.toBe(failover.primaryBefore);
      expect(failover.failoverMs, variant).toBeGreaterThan(0);
      expect(failover.failoverMs!, variant).toBeLessThan(DETECTION_MS + MARGIN_MS);
      // The promotion is in the timeline.
      const promoted = result.events.find(
        (e) =>
          e.target === failover.primaryAfter &&
          e.event === 'role' &&
          /^primary \(was/.test(e.detail ?? ''),
      );
      expect(promoted, `${variant}: role event`).toBeDefined();
      expect(result.topology?.kind).toBe(variant === 'redis:cluster' ? 'cluster' : 'sentinel');
      expect(fault.expectation?.source, variant).toMatch(/redis\.io/);
      expect(result.audit.wrongUserSessions).toBe(0);
      // Counted in every real run; each stale read lost at least one acknowledged increment.
      expect(result.audit.staleReads, variant).toBeGreaterThanOrEqual(0);
      expect(result.audit.staleReads!, variant).toBeLessThanOrEqual(result.audit.lostUpdates);
      expect(fault.staleReads!, variant).toBeLessThanOrEqual(result.audit.staleReads!);
      const sentinelFault = result.faults[1]!;
      if (variant === 'redis:sentinel') {
        expect(sentinelFault.status, sentinelFault.reason).toBe('done');
        expect(sentinelFault.targets).toEqual(['sentinel0']);
      } else {
        expect(sentinelFault.status).toBe('skipped');
        expect(sentinelFault.reason).toMatch(/no target sentinel0 here/);
      }
      // The killed primary started twice, and sentinel0 on its restart.
      await expectNothingLeft(result, members + (variant === 'redis:sentinel' ? 2 : 1));
    }
  }, 120_000);

  it('partition:primary on redis:cluster: cut from its peers both ways, the app still on it; another node promoted, the split’s writes lost and counted', async () => {
    const run = await runSmoke({
      users: '1000',
      rate: '200',
      duration: '15s',
      provider: 'process',
      backends: 'redis:cluster',
      faults: ['partition:primary@3s:7s'],
    });
    const result = resultFor(run, 'redis:cluster');
    const fault = result.faults[0]!;
    expect(fault.status, fault.reason).toBe('done');
    const failover = fault.failover!;
    // The cut primary's own gossip to its peers is held too (on their bus links): were it
    // not, they would keep hearing it and never promote its replica.
    expect(failover.promoted, JSON.stringify(failover)).toBe(true);
    expect(failover.primaryAfter).not.toBe(failover.primaryBefore);
    expect(failover.failoverMs!).toBeLessThan(DETECTION_MS + MARGIN_MS);
    // It acted as a primary the cluster had replaced: a split brain, in the timeline.
    const deposed = result.events.find(
      (e) =>
        e.target === failover.primaryBefore &&
        e.event === 'role' &&
        /^deposed primary/.test(e.detail ?? ''),
    );
    expect(deposed, 'deposed primary in the timeline').toBeDefined();
    // What it acknowledged during the node timeout is gone after the heal, and counted.
    const lost = fault.lostUpdates + fault.loggedOutUsers + (fault.loggedOutOutsidePopulation ?? 0);
    expect(lost, JSON.stringify(fault)).toBeGreaterThan(0);
    expect(fault.expectation?.loss).toBe('recent');
    expect(fault.expectation?.matches).toBe(true);
    expect(result.audit.wrongUserSessions).toBe(0);
    await expectNothingLeft(result, 6);
    const peers = result.events.find((e) => e.event === 'peer links' && /^node/.test(e.target));
    const ports = [...(peers?.detail ?? '').matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(ports, 'data and bus links of 6 nodes').toHaveLength(12);
    for (const port of ports) expect(await listening(port), `peer link ${port}`).toBe(false);
  }, 90_000);
});
