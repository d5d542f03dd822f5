import { describe, expect, it } from 'vitest';
import {
  expectNobodyLost,
  expectServersGone,
  missingServers,
  skipServerTests,
} from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([['redis-server']]);

const RATE_RPS = 120;
const DURATION_S = 3;

describe.skipIf(skipServerTests(missing))('--parallel on the builtin app and redis', () => {
  it('has redis-server installed', () => {
    expect(missing, 'install it with .ci/setup-servers.sh').toEqual([]);
  });

  // The builtin app writes only on update and logout, and a user never has two
  // updates in flight: page views race reads against them, which must count as nothing.
  it.each([2, 4])('page views of %i: no loss, no resurrection, the rate in requests', async (n) => {
    const run = await runSmoke({
      users: '40',
      rate: String(RATE_RPS),
      duration: `${DURATION_S}s`,
      provider: 'process',
      backends: 'redis:aof-always',
      parallel: String(n),
    });
    const result = resultFor(run, 'redis:aof-always');
    expect(result.requests.errors).toBe(0);
    expect(result.requests.timeouts).toBe(0);
    expect(result.requests.total).toBe(RATE_RPS * DURATION_S);
    expectNobodyLost(result);
    expect(result.audit.resurrectedSessions).toBe(0);
    expect(result.audit.indeterminate).toBe(0);
    expectServersGone(result);
  });
});

describe('--parallel in saturation mode', () => {
  it('page views of 3 over free connections: every answer audited, nothing lost', async () => {
    const run = await runSmoke({
      backends: 'memory',
      mode: 'saturation',
      duration: '2s',
      users: '300',
      parallel: '3',
    });
    const result = resultFor(run, 'memory');
    expect(result.requests.errors + result.requests.timeouts).toBe(0);
    expect(result.throughputRps).toBeGreaterThan(300);
    expect(result.audit).toMatchObject({
      loggedOutUsers: 0,
      loginWallHits: 0,
      lostUpdates: 0,
      resurrectedSessions: 0,
      wrongUserSessions: 0,
    });
    // Requests cut off by the end of the load may have applied: at most one per connection.
    expect(result.audit.indeterminate).toBeLessThanOrEqual(64);
  });
});
