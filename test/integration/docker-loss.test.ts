import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { dockerReady, labelled } from '../helpers/docker.js';
import { RATE_RPS, SHORT_LOAD, expectNobodyLost } from '../helpers/processServers.js';
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

/**
 * Everyone logged in at the kill is logged out. A container is down for ~0.5 s (the
 * process provider: ~0.1 s), and a user whose own logout fell in that window got a
 * 503: the ledger cannot tell whether it happened, so that user is not counted.
 * Hence 95% of those logged in, not all but 3 as with local processes.
 */
function expectEveryoneLoggedOut(result: VariantResult): void {
  const fault = result.faults[0]!;
  const atFault = fault.loggedInUsersAtFault!;
  const lost = result.audit.loggedOutUsers;
  const what = `${result.variant}: loggedOutUsers ${lost}, logged in at the fault ${atFault}, down ${fault.unavailableMs} ms`;
  expect(lost, what).toBeGreaterThanOrEqual(Math.floor(atFault * 0.95));
  expect(lost, what).toBeLessThanOrEqual(atFault + Math.ceil(RATE_RPS * 0.3));
  expect(lost, what).toBeGreaterThanOrEqual(result.users.total * 0.85);
  expect(result.audit.loginWallHits, what).toBeGreaterThan(0);
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
