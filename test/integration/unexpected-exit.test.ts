import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runSmoke } from '../helpers/runScenario.js';

/** PIDs of this test process's own app children (src/app/main.ts), none other. */
function ownAppPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => /app[/\\]main\.(ts|js)/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('the app dies without a planned fault', () => {
  it('is recorded as an unexpected exit, the variant fails, counts stay within their population', async () => {
    let killed = false;
    const killer = setInterval(() => {
      // Well into the load phase: warm-up of 64 users takes far less than 2 s.
      const pids = ownAppPids();
      if (pids.length !== 1) return;
      clearInterval(killer);
      setTimeout(() => {
        process.kill(pids[0]!, 'SIGKILL');
        killed = true;
      }, 2_500);
    }, 100);
    const run = await runSmoke({ backends: 'memory', duration: '5s', users: '64' }).finally(() =>
      clearInterval(killer),
    );
    expect(killed).toBe(true);
    const result = run.results[0]!;
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/died at \d/);
    expect(result.unexpectedExits).toHaveLength(1);
    expect(result.unexpectedExits![0]).toMatchObject({ target: 'app0' });
    expect(result.unexpectedExits![0]!.tMs).toBeGreaterThan(1_000);
    expect(result.unexpectedExits![0]!.tMs).toBeLessThan(3_500);
    // Every count within its population.
    const users = result.users.total;
    expect(result.audit.unverifiedUsers).toBeGreaterThan(0);
    expect(result.audit.unverifiedUsers).toBeLessThanOrEqual(users);
    expect(result.audit.loggedOutUsers).toBeLessThanOrEqual(users);
    expect(result.requests.errors).toBeLessThanOrEqual(result.requests.total);
  });
});
