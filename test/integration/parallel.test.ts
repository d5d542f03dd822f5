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
