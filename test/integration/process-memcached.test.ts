import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppProcess } from '../../src/app/appProcess.js';
import { memcachedBackend, memcachedNodeOf } from '../../src/backends/memcached.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import { freePort } from '../../src/lifecycle/freePort.js';
import { processProvider } from '../../src/providers/process.js';
import type { ProcessNode } from '../../src/providers/processNode.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import {
  RATE_RPS,
  SHORT_LOAD,
  expectEveryoneLoggedOut,
  expectNobodyLost,
  expectServersGone,
  isGone,
  missingServers,
  skipServerTests,
} from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['memcached']]);

/** One request to the app; resolves with the status and the session cookie it set. */
function request(
  url: string,
  method: string,
  cookie?: string,
): Promise<{ status: number; token?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: cookie ? { cookie: `sid=${cookie}` } : {} });
    req.on('response', (res) => {
      res.resume();
      const set = res.headers['set-cookie']?.[0];
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          token: set ? /^sid=([^;]*)/.exec(set)?.[1] : undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(skipServerTests(missing))('memcached on local processes', () => {
  it('has memcached installed', () => {
    expect(missing, 'install it with .ci/setup-servers.sh').toEqual([]);
  });

  it('a SIGKILL of plain memcached logs everyone out; a warm restart of memcached:warm nobody', async () => {
    const plain = await runSmoke({
      ...SHORT_LOAD,
      backends: 'memcached',
      faults: ['kill:node0@2s'],
    });
    const warm = await runSmoke({
      ...SHORT_LOAD,
      backends: 'memcached:warm',
      faults: ['restart:node0@2s'],
    });
    const killed = resultFor(plain, 'memcached');
    expect(killed.server).toMatchObject({ name: 'memcached' });
    expectEveryoneLoggedOut(killed, RATE_RPS);
    expectServersGone(killed);

    const restarted = resultFor(warm, 'memcached:warm');
    expect(restarted.serverCommand).toMatch(
      / -e \/dev\/shm\/session-bench-\S+\/node0\/memory_file/,
    );
    const events = restarted.events.filter((e) => e.target === 'node0').map((e) => e.event);
    expect(events).toContain('restart');
    expect(restarted.events.find((e) => e.event === 'restart')?.detail).toBe('SIGUSR1');
    expect(restarted.faults[0]!.status).toBe('done');
    expect(restarted.faults[0]!.loggedInUsersAtFault).toBeGreaterThan(200);
    expectNobodyLost(restarted);
    expectServersGone(restarted);
  });

  it('with 3 nodes, a killed node logs out exactly the users whose keys it held', async () => {
    const users = 300;
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-test-'));
    const events = new EventLog();
    const spec = memcachedBackend.serverSpec!('memcached', { nodes: 3 });
    const started = await processProvider.start(spec, {
      runId: newRunId(),
      workDir,
      events,
      signal: new AbortController().signal,
    });
    const endpoints = started.nodes.map((n) => n.endpoint);
    const app = new AppProcess(
      'app',
      {
        port: await freePort(),
        storeModule: memcachedBackend.storeModule.href,
        store: { variant: 'memcached', ttlMs: 3_600_000, secret: 'test', endpoints, settings: {} },
        payloadBytes: 512,
        storeTimeoutMs: 2_000,
      },
      events,
    );
    const pids = started.nodes.map((n) => (n as ProcessNode).pid!);
    try {
      await app.start();
      const tokens: string[] = [];
      for (let u = 0; u < users; u++) {
        const login = await request(`${app.url}/login?u=${u}`, 'POST');
        expect(login.status).toBe(200);
        tokens.push(login.token!);
      }
      const onNode1 = tokens.flatMap((t, u) => (memcachedNodeOf(t, endpoints) === 1 ? [u] : []));
      expect(onNode1.length / users).toBeGreaterThan(0.2);
      expect(onNode1.length / users).toBeLessThan(0.45);

      await started.nodes[1]!.kill();
      pids.push((started.nodes[1] as ProcessNode).pid!);

      const loggedOut: number[] = [];
      for (let u = 0; u < users; u++) {
        const page = await request(`${app.url}/page`, 'GET', tokens[u]);
        expect([200, 401], `user ${u}`).toContain(page.status);
        if (page.status === 401) loggedOut.push(u);
      }
      expect(loggedOut).toEqual(onNode1);
    } finally {
      await app.stop();
      await started.stop();
      await rm(workDir, { recursive: true, force: true });
    }
    for (const pid of pids) expect(isGone(pid), `pid ${pid}`).toBe(true);
  });

  it('the runner kills one of 3 nodes: 20-45% of the users logged in are logged out', async () => {
    const run = await runSmoke({
      ...SHORT_LOAD,
      backends: 'memcached',
      nodes: '3',
      faults: ['kill:node1@2s'],
    });
    const result = resultFor(run, 'memcached');
    const share = result.audit.loggedOutUsers / result.faults[0]!.loggedInUsersAtFault!;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.45);
    expect(result.audit.wrongUserSessions).toBe(0);
    expect(
      result.events.filter((e) => e.event === 'ready' && e.target.startsWith('node')),
    ).toHaveLength(4);
    expectServersGone(result);
  });
});
