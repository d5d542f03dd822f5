import { describe, expect, it } from 'vitest';
import type { VariantResult } from '../../src/result/result.js';
import { isGone, missingServers, serverPids, skipServerTests } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['mariadbd', 'mysqld']]);

/** The orchestrator's detection window (default) ... */
const DETECTION_MS = 2_000;
/**
 * ... plus: a check interval (500 ms), the promotion (a semi-sync replica behind a cut
 * link takes ~2 s to stop its IO thread), the app reconnecting through the moved front
 * link, and a loaded shared machine.
 */
const MARGIN_MS = 4_000;

const VARIANTS = ['mysql:replica', 'mysql:semisync'];

/** node1 promoted in time, the front link moved to it, the timeline shows it. */
function expectPromoted(result: VariantResult): void {
  const fault = result.faults[0]!;
  expect(fault.status, fault.reason).toBe('done');
  const failover = fault.failover!;
  expect(failover, result.variant).toMatchObject({
    primaryBefore: 'node0',
    primaryAfter: 'node1',
    promoted: true,
  });
  expect(failover.failoverMs!).toBeGreaterThan(DETECTION_MS - 600);
  expect(failover.failoverMs!).toBeLessThan(DETECTION_MS + MARGIN_MS);
  const moved = result.events.find(
    (e) => e.event === 'pointed at' && /^node1/.test(e.detail ?? ''),
  );
  expect(moved, `${result.variant}: front link moved`).toBeDefined();
  const roles = result.events
    .filter((e) => e.event === 'role')
    .map((e) => `${e.target} ${e.detail}`);
  expect(
    roles.some((r) => /^node1 primary \(was (replica|promoting)\)$/.test(r)),
    roles.join('; '),
  ).toBe(true);
  expect(result.topology?.configuration['orchestrator detection']).toMatch(/^2000 ms/);
  expect(fault.expectation?.source).toMatch(/mariadb\.com/);
  expect(result.audit.wrongUserSessions).toBe(0);
  for (const pid of serverPids(result)) expect(isGone(pid), `pid ${pid}`).toBe(true);
}

const lossesOf = (result: VariantResult) => {
  const fault = result.faults[0]!;
  return fault.lostUpdates + fault.loggedOutUsers + (fault.loggedOutOutsidePopulation ?? 0);
};

describe.skipIf(skipServerTests(missing))('MariaDB failover through the runner (process)', () => {
  it('kill:primary: the orchestrator promotes the replica and the app follows the front link', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '10s',
      provider: 'process',
      backends: VARIANTS.join(','),
      scenarioFaults: 'none',
      faults: ['kill:primary@3s:4s'],
    });
    for (const variant of VARIANTS) {
      const result = resultFor(run, variant);
      expectPromoted(result);
      // node0 and node1, and node0 again after the kill.
      expect(serverPids(result)).toHaveLength(3);
      // Writes resumed on node1: requests were answered after the failover.
      expect(result.faults[0]!.answers!.ok).toBeGreaterThan(0);
    }
    // Semi-sync with its replica connected: nothing acknowledged is lost.
    expect(lossesOf(resultFor(run, 'mysql:semisync'))).toBe(0);
  }, 120_000);

  it('partition:primary: async loses what the cut primary acknowledged during detection, semi-sync none', async () => {
    const run = await runSmoke({
      users: '200',
      rate: '100',
      duration: '10s',
      provider: 'process',
      backends: VARIANTS.join(','),
      scenarioFaults: 'none',
      faults: ['partition:primary@3s:5s'],
    });
    for (const variant of VARIANTS) expectPromoted(resultFor(run, variant));
    const replica = resultFor(run, 'mysql:replica');
    const semisync = resultFor(run, 'mysql:semisync');
    process.stderr.write(
      `partition:primary lost (updates + logged out): mysql:replica ${lossesOf(replica)}, mysql:semisync ${lossesOf(semisync)}\n`,
    );
    expect(replica.events.some((e) => e.event === 'peer links')).toBe(true);
    expect(lossesOf(replica)).toBeGreaterThan(0);
    expect(lossesOf(semisync)).toBe(0);
  }, 120_000);
});
