import { createConnection } from 'node:net';
import { expect } from 'vitest';
import type { VariantResult } from '../../src/result/result.js';
import { RATE_RPS } from './processServers.js';
import { hostPort } from '../../src/backends/backend.js';
import { dockerClient } from '../../src/providers/docker/client.js';
import { RUN_ID_LABEL } from '../../src/providers/docker/labels.js';
import { OFFLINE_IMAGE } from '../../src/providers/dockerImages.js';
import type { NodePlacement, ServerSpec } from '../../src/backends/serverSpec.js';

export const docker = dockerClient();

/**
 * Whether the Docker tests can run: the daemon answers and the offline image is
 * there. In CI (CI set) they must run, so a missing daemon is an error, not a skip.
 */
export async function dockerReady(): Promise<boolean> {
  let problem: string | undefined;
  try {
    await docker.ping();
    await docker.getImage(OFFLINE_IMAGE).inspect();
  } catch (error) {
    problem = `Docker tests need a daemon and ${OFFLINE_IMAGE} (.ci/setup-docker.sh): ${String(error)}`;
  }
  if (problem && process.env.CI) throw new Error(problem);
  if (problem) process.stderr.write(`skipping: ${problem}\n`);
  return problem === undefined;
}

/** Containers (any state), volumes and networks carrying the run id label; of one run if given. */
export async function labelled(
  runId?: string,
): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
  const label = runId ? `${RUN_ID_LABEL}=${runId}` : RUN_ID_LABEL;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  return {
    containers: containers.map((c) => `${c.Names[0]} (${c.State})`),
    volumes: volumes.map((v) => v.Name),
    networks: networks.map((n) => n.Name),
  };
}

/** A raw RESP command over TCP; resolves with the first reply line. */
export function redisCommand(endpoint: string, ...words: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(hostPort(endpoint));
    let reply = '';
    socket.setTimeout(1_000, () => {
      socket.destroy();
      reject(new Error('redis: no answer within 1000 ms'));
    });
    socket.on('error', reject);
    // docker-proxy accepts, then closes when the server is not listening yet.
    socket.on('close', () => reject(new Error(`redis: closed, answered ${JSON.stringify(reply)}`)));
    socket.on('connect', () =>
      socket.write(
        `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`,
      ),
    );
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n');
      if (lines.length < 2) return;
      // Bulk string: "$n" then the value.
      if (lines[0]!.startsWith('$') && lines[0] !== '$-1' && lines.length < 3) return;
      socket.end();
      resolve(lines[0]!.startsWith('$') && lines[0] !== '$-1' ? lines[1]! : lines[0]!);
    });
  });
}

/**
 * A small redis spec of the tests' own, so the container machinery is tested with
 * no backend involved: AOF fsync always, so what was acknowledged survives a kill.
 */
export function redisTestSpec(overrides: Partial<ServerSpec> = {}): ServerSpec {
  return {
    backend: 'redis',
    variant: 'redis:docker-test',
    nodes: 1,
    binaries: ['redis-server'],
    args: (node: NodePlacement) => [
      '--port',
      String(node.port),
      '--bind',
      node.bindAddress ?? '127.0.0.1',
      '--protected-mode',
      'no',
      '--dir',
      node.dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    ready: async (endpoint) => {
      const reply = await redisCommand(endpoint, 'PING');
      if (reply !== '+PONG') throw new Error(`PING answered ${reply}`);
    },
    versionArgs: ['--version'],
    parseVersion: (output) => ({
      name: 'Redis',
      version: /v=(\S+)/.exec(output)?.[1] ?? 'unknown',
    }),
    stopSignal: 'SIGTERM',
    settings: {},
    ...overrides,
  };
}

/**
 * Everyone logged in at the kill is logged out. A container is down for ~0.5 s (the
 * process provider: ~0.1 s), and a user whose own logout fell in that window got a
 * 503: the ledger cannot tell whether it happened, so that user is not counted.
 * Hence 95% of those logged in, not all but 3 as with local processes.
 */
export function expectEveryoneLoggedOut(result: VariantResult): void {
  const fault = result.faults[0]!;
  const atFault = fault.loggedInUsersAtFault!;
  const lost = result.audit.loggedOutUsers;
  const what = `${result.variant}: loggedOutUsers ${lost}, logged in at the fault ${atFault}, down ${fault.unavailableMs} ms`;
  expect(lost, what).toBeGreaterThanOrEqual(Math.floor(atFault * 0.95));
  expect(lost, what).toBeLessThanOrEqual(atFault + Math.ceil(RATE_RPS * 0.3));
  expect(lost, what).toBeGreaterThanOrEqual(result.users.total * 0.85);
  expect(result.audit.loginWallHits, what).toBeGreaterThan(0);
}
