import { describe, expect, it } from 'vitest';
import { processProvider } from '../../src/providers/process.js';
import type { FaultResult, VariantResult } from '../../src/result/result.js';
import {
  GALERA_DETECTION_MS,
  GALERA_MARGIN_MS,
  exerciseGalera,
  expectGaleraFailover,
  runGaleraFault,
} from '../helpers/galera.js';
import { isGone, missingServers, serverPids, skipServerTests } from '../helpers/processServers.js';

const missing = await missingServers([['mariadbd'], ['mariadb-install-db'], ['rsync']]);

describe.skipIf(skipServerTests(missing))('mysql:galera on local processes', () => {
  it('kill:primary in a write burst: the front moves to a survivor in time, both survivors hold every acknowledged write, the node rejoins, nothing is left', async () => {
    const check = await exerciseGalera(processProvider);
    process.stderr.write(
      `mysql:galera (process) kill:primary: failover ${Math.round(check.failoverMs)} ms to ${check.primaryAfter}, ` +
        `${check.acknowledged} acknowledged, lost ${JSON.stringify(check.lostOn)}\n`,
    );
    await expectGaleraFailover(check);
  }, 120_000);

  it('a run with kill:primary: the app follows the front to a survivor, the fault reports its figures, no server is left', async () => {
    const { result } = await runGaleraFault('process', 'kill');
    expect(result.topology?.kind).toBe('galera');
    // Chosen by auto where rsync is installed; node0 comes back by a state transfer.
    expect(result.topology?.configuration.wsrep_sst_method).toBe('rsync');
    expectFrontFollowed(result, result.faults[0]!);
    expect(result.faults[0]!.failover).toMatchObject({ primaryBefore: 'node0' });
    // node0, node1, node2, and node0 again after its kill: all gone.
    expect(serverPids(result)).toHaveLength(4);
    for (const pid of serverPids(result)) expect(isGone(pid), `pid ${pid}`).toBe(true);
  }, 120_000);

  it("a run with partition:primary: Galera's own isolation cuts the node, it loses quorum, the front moves, the node rejoins at the heal", async () => {
    const { result } = await runGaleraFault('process', 'partition');
    const fault = result.faults[0]!;
    expectFrontFollowed(result, fault);
    expect(fault.failover).toMatchObject({ primaryBefore: 'node0' });
    const peers = result.events.find((e) => e.event === 'peer links');
    expect(peers?.detail).toMatch(/gmcast\.isolate/);
    const roles = (node: string) =>
      result.events.filter((e) => e.event === 'role' && e.target === node).map((e) => e.detail);
    // Cut off, node0 is one of three without quorum; after the heal it is Synced again.
    expect(roles('node0')).toEqual(expect.arrayContaining(['non-primary (was primary)']));
    expect(roles('node0').at(-1)).toMatch(/^synced/);
    // Nobody was killed: one process per node, all gone.
    expect(serverPids(result)).toHaveLength(3);
    for (const pid of serverPids(result)) expect(isGone(pid), `pid ${pid}`).toBe(true);
  }, 120_000);
});

/** A fault on the front's node: the front moved to the node that acknowledged first, in time, nothing lost. */
function expectFrontFollowed(result: VariantResult, fault: FaultResult): void {
  expect(fault.status, fault.reason).toBe('done');
  const failover = fault.failover!;
  process.stderr.write(`mysql:galera run ${fault.action}:primary: ${JSON.stringify(failover)}\n`);
  expect(failover.promoted).toBe(true);
  expect(failover.primaryAfter).not.toBe(failover.primaryBefore);
  expect(failover.failoverMs!).toBeLessThan(GALERA_DETECTION_MS + GALERA_MARGIN_MS);
  // The first move after the fault points the front at the node that acknowledged the probe.
  const moved = result.events.find(
    (e) => e.target === 'front' && e.event === 'pointed at' && e.tMs >= fault.startedMs!,
  );
  expect(moved?.detail).toMatch(new RegExp(`^${failover.primaryAfter} `));
  // Writes resumed through the front, and the fault lost nothing acknowledged.
  expect(fault.phases?.after?.requests ?? 0).toBeGreaterThan(0);
  expect(fault.lostUpdates + fault.loggedOutUsers).toBe(0);
  // The failover table's stale reads and indeterminate (timed-out) requests are measured.
  expect(fault.staleReads).toBeDefined();
  expect(fault.answers?.timeouts).toBeDefined();
  expect(fault.expectation).toMatchObject({ loss: 'none', matches: true });
  expect(fault.expectation?.source).toContain('jepsen.io');
}
