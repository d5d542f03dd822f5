import { describe, expect, it } from 'vitest';
import { mysqlBackend } from '../../src/backends/mysql.js';
import { GALERA_DEFAULTS, evsOptions, galeraConf } from '../../src/backends/mysqlGalera.js';
import { roleOf } from '../../src/backends/galeraRoles.js';
import { serves, type NodeStatus } from '../../src/backends/galeraAdmin.js';
import { failoverExpectationFor } from '../../src/faults/expectations.js';
import { galeraPlacement } from '../helpers/galeraPlacement.js';

const status = (state: string, clusterStatus = 'Primary', ready = 'ON'): NodeStatus => ({
  state,
  clusterStatus,
  ready,
  clusterSize: 3,
  clusterUuid: 'u',
  address: '127.0.0.1:1',
});

describe('mysql:galera', () => {
  it('node0 bootstraps (empty gcomm://), later nodes join the earlier ones, every wsrep port on 127.0.0.1', () => {
    expect(galeraConf(galeraPlacement(0), [])).toMatch(/^wsrep_cluster_address=gcomm:\/\/$/m);
    const node2 = galeraConf(galeraPlacement(2), [4567, 4577]);
    expect(node2).toMatch(/^wsrep_cluster_address=gcomm:\/\/127\.0\.0\.1:4567,127\.0\.0\.1:4577$/m);
    expect(node2).toContain('gmcast.listen_addr=tcp://127.0.0.1:4587');
    expect(node2).toContain('ist.recv_addr=127.0.0.1:4588');
    expect(node2).toMatch(/^wsrep_sst_receive_address=127\.0\.0\.1:4464$/m);
    expect(node2).toMatch(/^wsrep_node_name=node2$/m);
    // The address formation writes later overrides this one at every start.
    expect(node2.trim().split('\n').at(-1)).toBe('!includedir /r2');
  });

  it('the EVS timers go into the provider options within the ranges Galera checks at start, a set out of range is refused', () => {
    const options = evsOptions(GALERA_DEFAULTS.evs);
    const ms = (name: string) => {
      const value = options.find((o) => o.startsWith(`${name}=`))!.split('=')[1]!;
      return Number(/^PT([\d.]+)S$/.exec(value)![1]) * 1000;
    };
    expect(ms('evs.keepalive_period')).toBeLessThanOrEqual(ms('evs.suspect_timeout') / 3);
    expect(ms('evs.inactive_check_period')).toBeLessThan(ms('evs.suspect_timeout'));
    expect(ms('evs.suspect_timeout')).toBeLessThan(ms('evs.inactive_timeout'));
    // Galera 4 refuses an install timeout above the inactive timeout ("out of range").
    expect(ms('evs.install_timeout')).toBeLessThanOrEqual(ms('evs.inactive_timeout'));
    // No unilateral eviction of a stalled survivor sooner than Galera's own default.
    expect(ms('evs.inactive_timeout')).toBeGreaterThanOrEqual(15_000);
    expect(galeraConf(galeraPlacement(0), [])).toContain(options.join(';'));
    expect(() =>
      evsOptions({
        ...GALERA_DEFAULTS.evs,
        inactiveTimeoutMs: GALERA_DEFAULTS.evs.suspectTimeoutMs,
      }),
    ).toThrow(/out of order/);
    expect(() =>
      evsOptions({
        ...GALERA_DEFAULTS.evs,
        installTimeoutMs: GALERA_DEFAULTS.evs.inactiveTimeoutMs + 1,
      }),
    ).toThrow(/out of order/);
  });

  it('runs 3 nodes as mysql, reads its own option file, never --no-defaults; --mysql-detection sets the front detection', () => {
    const spec = mysqlBackend.serverSpec!('mysql:galera', { nodes: 1 });
    expect(spec.nodes).toBe(3);
    expect(spec.topology?.kind).toBe('galera');
    expect(spec.topology?.front).toBe(true);
    expect(spec.topology?.extraPorts).toBe(3);
    expect(spec.unprivilegedUser).toBe('mysql');
    const args = spec.args(galeraPlacement(1), 'mariadbd');
    expect(args[0]).toBe('--defaults-file=/r1/galera.conf');
    expect(args).not.toContain('--no-defaults');
    expect(() => mysqlBackend.serverSpec!('mysql:galera', { nodes: 2 })).toThrow(/3 nodes/);
    expect(spec.topology?.configuration['front detection']).toMatch(
      new RegExp(`^${GALERA_DEFAULTS.monitor.detectionMs} ms`),
    );
    const set = mysqlBackend.serverSpec!('mysql:galera', {
      nodes: 1,
      failover: { mysqlDetectionMs: 3_000 },
    });
    expect(set.topology?.configuration['front detection']).toMatch(/^3000 ms/);
  });

  it('the health rule: only a ready, Synced node of the primary component serves', () => {
    expect(serves(status('Synced'))).toBe(true);
    expect(serves(status('Synced', 'non-Primary'))).toBe(false);
    expect(serves(status('Synced', 'Primary', 'OFF'))).toBe(false);
    expect(serves(status('Joined'))).toBe(false);
    expect(serves(status('Donor/Desynced'))).toBe(false);
    expect(serves(undefined)).toBe(false);
  });

  it('roles: the front node when serving is primary; synced / joining / donor / down / non-primary', () => {
    expect(roleOf(status('Synced'), true)).toBe('primary');
    expect(roleOf(status('Synced'), false)).toBe('synced');
    expect(roleOf(status('Joining: receiving State Transfer'), false)).toBe('joining');
    expect(roleOf(status('Joined'), false)).toBe('joining');
    expect(roleOf(status('Donor/Desynced'), false)).toBe('donor');
    expect(roleOf(status('Synced', 'non-Primary'), true)).toBe('non-primary');
    expect(roleOf(undefined, true)).toBe('down');
  });

  it('a primary kill, and a partition of the primary (a minority without quorum), are expected to lose nothing, checked against Jepsen 2026', () => {
    const expectation = failoverExpectationFor('mysql:galera', 'kill')!;
    expect(expectation.loss).toBe('none');
    expect(expectation.source).toContain('jepsen.io');
    expect(expectation.source).toContain('mariadb.com/docs/galera-cluster');
    const split = failoverExpectationFor('mysql:galera', 'partition')!;
    expect(split.loss).toBe('none');
    expect(split.claim).toMatch(/without quorum/);
    expect(split.source).toContain('jepsen.io');
  });
});
