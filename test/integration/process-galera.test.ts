import { describe, expect, it } from 'vitest';
import { processProvider } from '../../src/providers/process.js';
import {
  GALERA_DETECTION_MS,
  GALERA_MARGIN_MS,
  exerciseGalera,
  expectGaleraFailover,
  runGaleraKillPrimary,
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
    const { result } = await runGaleraKillPrimary('process');
    expect(result.topology?.kind).toBe('galera');
    const fault = result.faults[0]!;
    expect(fault.status, fault.reason).toBe('done');
    const failover = fault.failover!;
    process.stderr.write(`mysql:galera run kill:primary: ${JSON.stringify(failover)}\n`);
    expect(failover).toMatchObject({ primaryBefore: 'node0', promoted: true });
    expect(failover.primaryAfter).not.toBe('node0');
    expect(failover.failoverMs!).toBeLessThan(GALERA_DETECTION_MS + GALERA_MARGIN_MS);
    // The first move after the kill points the front at the node that acknowledged the probe.
    const moved = result.events.find(
      (e) => e.target === 'front' && e.event === 'pointed at' && e.tMs >= fault.startedMs!,
    );
    expect(moved?.detail).toMatch(new RegExp(`^${failover.primaryAfter} `));
    // Writes resumed through the front, and one kill of three nodes lost nothing.
    expect(fault.phases?.after?.requests ?? 0).toBeGreaterThan(0);
    expect(fault.lostUpdates + fault.loggedOutUsers).toBe(0);
    // The failover table's stale reads and indeterminate (timed-out) requests are measured.
    expect(fault.staleReads).toBeDefined();
    expect(fault.answers?.timeouts).toBeDefined();
    expect(fault.expectation).toMatchObject({ loss: 'none', matches: true });
    expect(fault.expectation?.source).toContain('jepsen.io');
    expect(result.audit.wrongUserSessions).toBe(0);
    // node0, node1, node2, and node0 again after its kill: all gone.
    expect(serverPids(result)).toHaveLength(4);
    for (const pid of serverPids(result)) expect(isGone(pid), `pid ${pid}`).toBe(true);
  }, 120_000);
});
