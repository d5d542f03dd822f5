import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hostPort } from '../../src/backends/backend.js';
import { memcachedBackend } from '../../src/backends/memcached.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { DockerProvider } from '../../src/providers/docker.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { dockerReady, labelled } from '../helpers/docker.js';
import { SHORT_LOAD, expectNobodyLost } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const available = await dockerReady();

/** One memcached text-protocol command; resolves with the reply up to its last line. */
function memcachedCommand(endpoint: string, command: string, last: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(hostPort(endpoint));
    let reply = '';
    socket.setTimeout(1_000, () => socket.destroy(new Error('memcached: no answer in 1 s')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(command));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (!last.test(reply)) return;
      socket.end();
      resolve(reply);
    });
  });
}

describe.skipIf(!available)('memcached:warm under Docker (offline image)', () => {
  let runIds: string[] = [];
  afterEach(async () => {
    for (const runId of runIds)
      expect(await labelled(runId)).toEqual({ containers: [], volumes: [], networks: [] });
    runIds = [];
  });

  it('a graceful restart right after a wall-clock second still keeps the items', async () => {
    const events = new EventLog();
    const runId = newRunId();
    runIds.push(runId);
    const started = await new DockerProvider().start(
      memcachedBackend.serverSpec!('memcached:warm', { nodes: 1 }),
      {
        runId,
        workDir: '/nonexistent',
        events,
        signal: new AbortController().signal,
        options: { imageSet: 'offline', dockerNetwork: 'host', targets: {} },
      },
    );
    try {
      const node = started.nodes[0]!;
      const set = await memcachedCommand(node.endpoint, 'set k 0 0 2\r\nv1\r\n', /\r\n$/);
      expect(set).toBe('STORED\r\n');
      // Stop and start fit in one second: memcached would discard its memory file if
      // started again within the second it stopped.
      while (Date.now() % 1000 > 20) await sleep(5);
      await node.restart();
      expect(await memcachedCommand(node.endpoint, 'get k\r\n', /END\r\n$/)).toBe(
        'VALUE k 0 2\r\nv1\r\nEND\r\n',
      );
    } finally {
      await started.stop();
    }
  });

  it('a restart fault during the load logs nobody out', async () => {
    const run = await runSmoke({
      ...SHORT_LOAD,
      provider: 'docker',
      imageSet: 'offline',
      dockerNetwork: 'host',
      backends: 'memcached:warm',
      faults: ['restart:node0@2s'],
    });
    runIds.push(run.runId);
    const result = resultFor(run, 'memcached:warm');
    expect(result.provider).toBe('docker');
    expect(result.faults[0]!.status).toBe('done');
    expect(result.faults[0]!.loggedInUsersAtFault).toBeGreaterThan(200);
    expectNobodyLost(result);
  });
});
