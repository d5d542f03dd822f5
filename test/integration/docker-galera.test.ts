import { describe, expect, it } from 'vitest';
import { DockerProvider } from '../../src/providers/docker.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { dockerReady, labelled } from '../helpers/docker.js';
import {
  GALERA_DETECTION_MS,
  GALERA_MARGIN_MS,
  exerciseGalera,
  expectFrontFailover,
  expectNothingListening,
  expectOneCluster,
  expectRunLeftNothing,
  runGaleraKillPrimary,
} from '../helpers/galera.js';

const available = await dockerReady();

describe.skipIf(!available)('mysql:galera in containers (host networking, offline image)', () => {
  it('forms one cluster; killed and restarted nodes rejoin it; kill:primary moves the primary; no container is left', async () => {
    const runId = newRunId();
    const check = await exerciseGalera(
      new DockerProvider(),
      { imageSet: 'offline', dockerNetwork: 'host', targets: {} },
      runId,
    );
    process.stderr.write(
      `mysql:galera (docker) kill:primary: failover ${Math.round(check.failoverMs)} ms, ` +
        `${check.acknowledged} acknowledged, ${check.lostDirect} lost on the survivor\n`,
    );
    expectOneCluster(check);
    expect(check.failoverMs).toBeGreaterThan(0);
    expect(check.failoverMs).toBeLessThan(GALERA_DETECTION_MS + GALERA_MARGIN_MS);
    expect(check.lostViaStore).toBe(check.lostDirect);
    await expectNothingListening(check);
    expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);

  it('a run with kill:primary: the app behind the front fails over to a Synced node, no container is left', async () => {
    const { result, runId } = await runGaleraKillPrimary('docker');
    expect(result.provider).toBe('docker');
    expectFrontFailover(result);
    await expectRunLeftNothing(result, 4);
    expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);
});
