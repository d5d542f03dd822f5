import { describe, expect, it } from 'vitest';
import { processProvider } from '../../src/providers/process.js';
import {
  GALERA_DETECTION_MS,
  GALERA_MARGIN_MS,
  exerciseGalera,
  expectNothingListening,
  expectFrontFailover,
  expectOneCluster,
  expectRunLeftNothing,
  runGaleraKillPrimary,
} from '../helpers/galera.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';

const missing = await missingServers([['mariadbd'], ['mariadb-install-db'], ['rsync']]);

describe.skipIf(skipServerTests(missing))('mysql:galera on local processes', () => {
  it('forms one cluster; a killed node, the killed primary and a gracefully restarted node0 rejoin it; kill:primary moves the primary to a Synced node; nothing is left', async () => {
    const check = await exerciseGalera(processProvider);
    process.stderr.write(
      `mysql:galera (process) kill:primary: failover ${Math.round(check.failoverMs)} ms, ` +
        `${check.acknowledged} acknowledged, ${check.lostDirect} lost on the survivor\n`,
    );
    // node0 bootstrapped once; node1 and node0 after their kills joined it again.
    expectOneCluster(check);
    expect(check.failoverMs).toBeGreaterThan(0);
    expect(check.failoverMs).toBeLessThan(GALERA_DETECTION_MS + GALERA_MARGIN_MS);
    expect(check.acknowledged).toBeGreaterThan(0);
    // The store and a direct read on the survivor agree on what was lost.
    expect(check.lostViaStore).toBe(check.lostDirect);
    await expectNothingListening(check);
  }, 120_000);
});

describe.skipIf(skipServerTests(missing))('mysql:galera run on local processes', () => {
  it('kill:primary: the front moves to a Synced node, writes resume in time, figures reported, nothing left', async () => {
    const { result } = await runGaleraKillPrimary('process');
    expectFrontFailover(result);
    // 3 nodes, and node0 again after its kill.
    await expectRunLeftNothing(result, 4);
  }, 120_000);
});
