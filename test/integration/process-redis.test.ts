import { describe, expect, it } from 'vitest';
import {
  RATE_RPS,
  SHORT_LOAD,
  expectEveryoneLoggedOut,
  expectNobodyLost,
  expectServersGone,
  missingServers,
  skipServerTests,
} from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['redis-server']]);

describe.skipIf(skipServerTests(missing))('redis on local processes', () => {
  it('has redis-server installed', () => {
    expect(missing, 'install it with .ci/setup-servers.sh').toEqual([]);
  });

  it('every variant starts, serves, survives or loses per its policy on SIGKILL, and stops', async () => {
    const variants = ['redis', 'redis:none', 'redis:rdb', 'redis:aof-everysec', 'redis:aof-always'];
    const run = await runSmoke({
      ...SHORT_LOAD,
      backends: variants.join(','),
      faults: ['kill:node0@2s'],
    });
    for (const variant of variants) {
      const result = resultFor(run, variant);
      expect(result.provider).toBe('process');
      expect(result.server?.name).toBe('Redis');
      expect(result.server?.version).toMatch(/^\d+\.\d+/);
      expect(result.serverCommand).toMatch(/redis-server --port \d+ --bind 127\.0\.0\.1/);
      expect(result.requests.ok, variant).toBeGreaterThan(400);
      expect(result.faults[0]!.status, variant).toBe('done');
      expect(result.audit.wrongUserSessions, variant).toBe(0);
      // The node's own records (the fault runner adds its "fault kill" line too).
      const events = result.events
        .filter((e) => e.target === 'node0' && !e.event.startsWith('fault'))
        .map((e) => e.event);
      expect(events, variant).toEqual([
        'start',
        'ready',
        'kill',
        'exited',
        'start',
        'ready',
        'stop',
        'exited',
      ]);
      expectServersGone(result);
    }
    expect(resultFor(run, 'redis:none').serverCommand).toContain("--save '' --appendonly no");
    expect(resultFor(run, 'redis:aof-always').serverCommand).toContain('--appendfsync always');

    // No persistence: the restarted server is empty, everyone logged in is logged out.
    expectEveryoneLoggedOut(resultFor(run, 'redis:none'), RATE_RPS);
    expect(resultFor(run, 'redis:none').audit.loginWallHits).toBeGreaterThan(0);
    // fsync before every reply: nothing acknowledged is lost.
    expectNobodyLost(resultFor(run, 'redis:aof-always'));
    // The default policy's first snapshot comes after an hour with 1 change: none yet.
    expectEveryoneLoggedOut(resultFor(run, 'redis'), RATE_RPS);
  });

  it('shards over independent servers: killing one of two logs out about half', async () => {
    const run = await runSmoke({
      ...SHORT_LOAD,
      backends: 'redis:none',
      nodes: '2',
      faults: ['kill:node1@2s'],
    });
    const result = resultFor(run, 'redis:none');
    expect(result.serverCommand).toMatch(/--port \d+/);
    const atFault = result.faults[0]!.loggedInUsersAtFault!;
    const share = result.audit.loggedOutUsers / atFault;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expectServersGone(result);
  });
});
