import { describe, expect, it } from 'vitest';
import { mysqlBackend } from '../../src/backends/mysql.js';
import { FailureDetector } from '../../src/backends/failureDetector.js';
import { roleOf } from '../../src/backends/mysqlOrchestrator.js';
import { errantGtids } from '../../src/backends/mysqlRejoin.js';
import { replicationInitSql } from '../../src/backends/mysqlReplication.js';
import type { NodePlacement } from '../../src/backends/serverSpec.js';
import { failoverExpectationFor } from '../../src/faults/expectations.js';
import { UsageError } from '../../src/errors.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { specOptions } from '../../src/runner/startServers.js';

const placement = (index: number): NodePlacement => ({
  index,
  port: 3306 + index,
  dataDir: `/d${index}`,
  runDir: `/r${index}`,
});

describe('the orchestrator failure detector', () => {
  it('judges the primary down only after every check of the window failed', () => {
    const detector = new FailureDetector(2_000);
    expect(detector.observe(false, 1_000)).toBe(false);
    expect(detector.observe(false, 2_500)).toBe(false);
    expect(detector.observe(false, 2_999)).toBe(false);
    expect(detector.observe(false, 3_000)).toBe(true);
  });

  it('a check that answers closes the window: the next failure starts a new one', () => {
    const detector = new FailureDetector(2_000);
    detector.observe(false, 0);
    detector.observe(false, 1_500);
    expect(detector.observe(true, 1_900)).toBe(false);
    expect(detector.observe(false, 2_500)).toBe(false);
    expect(detector.observe(false, 4_000)).toBe(false);
    expect(detector.observe(false, 4_500)).toBe(true);
    detector.reset();
    expect(detector.observe(false, 4_600)).toBe(false);
  });

  it('a check that hung until its timeout counts from when it started', () => {
    const detector = new FailureDetector(2_000);
    expect(detector.observe(false, 1_400, 1_000)).toBe(false);
    expect(detector.observe(false, 3_000, 2_600)).toBe(true);
  });
});

describe('MariaDB replication roles', () => {
  const state = { primary: 'node1', deposed: new Set(['node0']) };

  it('names the primary, a replica, a deposed primary, a promoting, a standalone and a down node', () => {
    expect(roleOf('node1', false, state)).toBe('primary');
    expect(roleOf('node0', false, state)).toBe('deposed primary');
    expect(roleOf('node0', true, state)).toBe('replica');
    expect(roleOf('node2', false, state)).toBe('standalone');
    expect(roleOf('node1', undefined, state)).toBe('down');
    expect(roleOf('node0', false, { ...state, primary: 'node0', promoting: 'node1' })).toBe(
      'primary',
    );
    expect(roleOf('node1', false, { ...state, primary: 'node0', promoting: 'node1' })).toBe(
      'promoting',
    );
  });
});

describe('a former primary rejoining', () => {
  it('has no errant GTIDs when its binlog is a prefix of what the new primary had', () => {
    expect(errantGtids('0-1-100', '0-1-100')).toEqual([]);
    expect(errantGtids('0-1-90', '0-1-100')).toEqual([]);
    expect(errantGtids('', '0-1-100')).toEqual([]);
  });

  it('names the commits the new primary never had: later, from another server, another domain', () => {
    expect(errantGtids('0-1-105', '0-1-100')).toEqual(['0-1-105']);
    expect(errantGtids('0-1-100', '0-2-100')).toEqual(['0-1-100']);
    expect(errantGtids('0-1-5,1-1-3', '0-1-5')).toEqual(['1-1-3']);
  });
});

describe('mysql:replica and mysql:semisync specs', () => {
  it('two nodes with unique server ids, row binlog; semi-sync waits on node0 only, timeout settable', () => {
    const spec = mysqlBackend.serverSpec!('mysql:semisync', {
      nodes: 1,
      failover: { semiSyncTimeoutMs: 700, mysqlDetectionMs: 1_500 },
    });
    expect(spec.nodes).toBe(2);
    expect(spec.topology?.peerLinks).toBe(true);
    const node0 = spec.args(placement(0), 'mariadbd');
    const node1 = spec.args(placement(1), 'mariadbd');
    expect(node0).toContain('--server-id=1');
    expect(node1).toContain('--server-id=2');
    expect(node0).toContain('--binlog-format=ROW');
    expect(node0).toContain('--rpl-semi-sync-master-enabled=ON');
    expect(node1).toContain('--rpl-semi-sync-master-enabled=OFF');
    expect(node1).toContain('--rpl-semi-sync-slave-enabled=ON');
    expect(node0).toContain('--rpl-semi-sync-master-timeout=700');
    expect(spec.topology?.configuration.rpl_semi_sync_master_timeout).toBe('700');
    expect(spec.topology?.configuration['orchestrator detection']).toMatch(/^1500 ms/);
    expect(spec.settings.user).toBe('app');
  });

  it('mysql:replica has no semi-sync; the orchestrator detects in 2 s by default', () => {
    const spec = mysqlBackend.serverSpec!('mysql:replica', { nodes: 1 });
    expect(spec.args(placement(0), 'mariadbd').join(' ')).not.toMatch(/semi/);
    expect(spec.topology?.configuration['orchestrator detection']).toMatch(/^2000 ms/);
    expect(spec.topology?.kind).toBe('async replication');
  });

  it('the semi-sync timeout defaults to MariaDB’s own 10 s', () => {
    const spec = mysqlBackend.serverSpec!('mysql:semisync', { nodes: 1 });
    expect(spec.topology?.configuration.rpl_semi_sync_master_timeout).toBe('10000');
  });

  it('refuses a --nodes that is not the topology', () => {
    expect(() => mysqlBackend.serverSpec!('mysql:replica', { nodes: 3 })).toThrow(UsageError);
  });

  it('the init file is not binlogged and limits the app user to its database', () => {
    const sql = replicationInitSql('GRANT x;', "pa'ss");
    expect(sql.split('\n')[0]).toBe('SET sql_log_bin = 0;');
    expect(sql).toContain("GRANT ALL PRIVILEGES ON session_bench.* TO 'app'@'127.0.0.1';");
    expect(sql).toContain("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';");
    expect(sql).toContain("IDENTIFIED BY 'pa''ss'");
  });

  it('documents what a kill and a partition of the primary lose, with MariaDB sources', () => {
    expect(failoverExpectationFor('mysql:replica', 'kill')?.loss).toBe('recent');
    expect(failoverExpectationFor('mysql:semisync', 'kill')?.loss).toBe('none');
    expect(failoverExpectationFor('mysql:semisync', 'kill')?.source).toMatch(/mariadb\.com.*semi/);
    expect(failoverExpectationFor('mysql:replica', 'partition')?.loss).toBe('recent');
  });

  it('--mysql-detection and --semi-sync-timeout reach the spec', async () => {
    const plan = await loadPlan({
      scenario: 'smoke',
      mysqlDetection: '1500ms',
      semiSyncTimeout: '3s',
    });
    expect(specOptions(plan).failover).toEqual({ mysqlDetectionMs: 1500, semiSyncTimeoutMs: 3000 });
  });
});
