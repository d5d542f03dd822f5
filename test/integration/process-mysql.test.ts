import { describe, expect, it } from 'vitest';
import {
  SHORT_LOAD,
  expectNobodyLost,
  expectServersGone,
  missingServers,
  skipServerTests,
} from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const missing = await missingServers([
  ['mariadbd', 'mysqld'],
  ['mariadb-install-db', 'mysqld'],
]);

describe.skipIf(skipServerTests(missing))('mysql (MariaDB or MySQL) on a local process', () => {
  it('has mariadbd (or mysqld) installed', () => {
    expect(missing, 'install it with .ci/setup-servers.sh').toEqual([]);
  });

  it('every flush policy starts, serves and stops; flush 1 (and 2) lose nobody on SIGKILL', async () => {
    const variants = ['mysql', 'mysql:flush2', 'mysql:flush0'];
    const run = await runSmoke({
      ...SHORT_LOAD,
      backends: variants.join(','),
      faults: ['kill:node0@2s'],
    });
    for (const variant of variants) {
      const result = resultFor(run, variant);
      expect(['MariaDB', 'MySQL']).toContain(result.server?.name);
      expect(result.server?.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(result.serverCommand).toMatch(/(mariadbd|mysqld) --no-defaults --datadir=/);
      expect(result.serverCommand).toContain('--bind-address=127.0.0.1');
      // The random root password never shows in the recorded command line.
      expect(result.serverCommand).toMatch(/--init-file=\S+init\.sql/);
      expect(result.requests.ok, variant).toBeGreaterThan(400);
      expect(result.faults[0]!.status, variant).toBe('done');
      expect(result.faults[0]!.unavailableMs, variant).toBeGreaterThan(0);
      expect(result.audit.wrongUserSessions, variant).toBe(0);
      expect(result.events.some((e) => e.target === 'node0' && e.event === 'prepare')).toBe(true);
      expectServersGone(result);
    }
    expect(resultFor(run, 'mysql').serverCommand).toContain('--innodb-flush-log-at-trx-commit=1');
    expect(resultFor(run, 'mysql:flush0').serverCommand).toContain(
      '--innodb-flush-log-at-trx-commit=0',
    );
    expectNobodyLost(resultFor(run, 'mysql'));
    // Flush 2 writes the redo log to the OS at each commit: a process crash loses nothing.
    expectNobodyLost(resultFor(run, 'mysql:flush2'));
  });

  it('is single-node: --nodes 2 fails that variant with a reason, the others still run', async () => {
    const run = await runSmoke({
      ...SHORT_LOAD,
      duration: '1s',
      backends: 'mysql,memory',
      nodes: '2',
    });
    const mysql = run.results.find((r) => r.variant === 'mysql')!;
    expect(mysql.status).toBe('failed');
    expect(mysql.reason).toMatch(/single node.*--nodes 2/);
    expect(resultFor(run, 'memory').requests.ok).toBeGreaterThan(100);
  });
});
