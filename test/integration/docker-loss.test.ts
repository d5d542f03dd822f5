import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { dockerReady, expectEveryoneLoggedOut, labelled } from '../helpers/docker.js';
import { SHORT_LOAD, expectNobodyLost } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const available = await dockerReady();

/** The process tests' load, in containers of the offline image with host networking. */
const DOCKER_LOAD = {
  ...SHORT_LOAD,
  provider: 'docker',
  imageSet: 'offline',
  dockerNetwork: 'host',
};

function expectRanInDocker(result: VariantResult, serverName: string): void {
  expect(result.provider).toBe('docker');
  expect(result.providerReason).toMatch(
    /image session-bench\/offline:bookworm \(sha256:[0-9a-f]{12}\) is present/,
  );
  expect(result.server?.name).toBe(serverName);
  expect(result.server?.version).toMatch(/^\d+\.\d+/);
  expect(result.serverCommand).toMatch(/^docker run .*--network host .*session-bench\/offline/);
  expect(result.faults[0]!.status, result.variant).toBe('done');
  expect(result.audit.wrongUserSessions, result.variant).toBe(0);
  const events = result.events
    .filter((e) => e.target === 'node0' && !e.event.startsWith('fault') && e.event !== 'prepare')
    .map((e) => e.event);
  expect(events, result.variant).toEqual([
    'start',
    'ready',
    'kill',
    'exited',
    'start',
    'ready',
    'stop',
  ]);
}

describe.skipIf(!available)('loss on docker kill (offline image, host networking)', () => {
  let run: RunResult | undefined;

  afterEach(async () => {
    // Zero containers and volumes of the run are left, whatever the test found.
    if (run)
      expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
    run = undefined;
  });

  it('redis:none logs everyone out, redis:aof-always nobody', async () => {
    run = await runSmoke({
      ...DOCKER_LOAD,
      backends: 'redis:none,redis:aof-always',
      faults: ['kill:node0@2s'],
    });
    for (const variant of ['redis:none', 'redis:aof-always']) {
      expectRanInDocker(resultFor(run, variant), 'Redis');
    }
    expectEveryoneLoggedOut(resultFor(run, 'redis:none'));
    expectNobodyLost(resultFor(run, 'redis:aof-always'));
  });

  it('plain memcached logs everyone out', async () => {
    run = await runSmoke({ ...DOCKER_LOAD, backends: 'memcached', faults: ['kill:node0@2s'] });
    const result = resultFor(run, 'memcached');
    expectRanInDocker(result, 'memcached');
    expectEveryoneLoggedOut(result);
  });

  it('mysql (MariaDB, data dir initialised in the container) loses nobody', async () => {
    run = await runSmoke({ ...DOCKER_LOAD, backends: 'mysql', faults: ['kill:node0@2s'] });
    const result = resultFor(run, 'mysql');
    expectRanInDocker(result, 'MariaDB');
    expect(result.events.some((e) => e.target === 'node0' && e.event === 'prepare')).toBe(true);
    expectNobodyLost(result);
  });
});
