import { describe, expect, it } from 'vitest';
import { mysqlBackend } from '../../src/backends/mysql.js';
import { galeraConf } from '../../src/backends/mysqlGalera.js';
import { roleOf } from '../../src/backends/galeraRoles.js';
import type { NodeStatus } from '../../src/backends/galeraAdmin.js';
import { failoverExpectationFor } from '../../src/faults/expectations.js';

const placement = (index: number) => ({
  index,
  port: 3306,
  dataDir: `/d${index}`,
  runDir: `/r${index}`,
  extraPorts: [4567 + index * 10, 4568 + index * 10, 4444 + index * 10],
});

const status = (state: string, clusterStatus = 'Primary'): NodeStatus => ({
  state,
  clusterStatus,
  clusterSize: 3,
  clusterUuid: 'u',
  address: '127.0.0.1:1',
});

describe('mysql:galera', () => {
  it('node0 bootstraps (empty gcomm://), later nodes join the earlier ones, every wsrep port on 127.0.0.1', () => {
    expect(galeraConf(placement(0), [])).toMatch(/^wsrep_cluster_address=gcomm:\/\/$/m);
    const node2 = galeraConf(placement(2), [4567, 4577]);
    expect(node2).toMatch(/^wsrep_cluster_address=gcomm:\/\/127\.0\.0\.1:4567,127\.0\.0\.1:4577$/m);
    expect(node2).toContain('gmcast.listen_addr=tcp://127.0.0.1:4587');
    expect(node2).toContain('ist.recv_addr=127.0.0.1:4588');
    expect(node2).toMatch(/^wsrep_sst_receive_address=127\.0\.0\.1:4464$/m);
    // The address formation writes later overrides this one at every start.
    expect(node2.trim().split('\n').at(-1)).toBe('!includedir /r2');
  });

  it('runs 3 nodes as mysql, reads its own option file, never --no-defaults', () => {
    const spec = mysqlBackend.serverSpec!('mysql:galera', { nodes: 1 });
    expect(spec.nodes).toBe(3);
    expect(spec.topology?.kind).toBe('galera');
    expect(spec.topology?.extraPorts).toBe(3);
    expect(spec.unprivilegedUser).toBe('mysql');
    const args = spec.args(placement(1), 'mariadbd');
    expect(args[0]).toBe('--defaults-file=/r1/galera.conf');
    expect(args).not.toContain('--no-defaults');
    expect(() => mysqlBackend.serverSpec!('mysql:galera', { nodes: 2 })).toThrow(/3 nodes/);
  });

  it('roles: the front node when Synced is primary; synced / joining / donor / down / non-primary', () => {
    expect(roleOf(status('Synced'), true)).toBe('primary');
    expect(roleOf(status('Synced'), false)).toBe('synced');
    expect(roleOf(status('Joining: receiving State Transfer'), false)).toBe('joining');
    expect(roleOf(status('Joined'), false)).toBe('joining');
    expect(roleOf(status('Donor/Desynced'), false)).toBe('donor');
    expect(roleOf(status('Synced', 'non-Primary'), true)).toBe('non-primary');
    expect(roleOf(undefined, true)).toBe('down');
  });

  it('a primary kill is expected to lose nothing, checked against Jepsen 2026', () => {
    const expectation = failoverExpectationFor('mysql:galera', 'kill')!;
    expect(expectation.loss).toBe('none');
    expect(expectation.source).toContain('jepsen.io');
    expect(failoverExpectationFor('mysql:galera', 'partition')).toBeUndefined();
  });
});
