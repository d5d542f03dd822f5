import { describe, expect, it } from 'vitest';
import { redisBackend } from '../../src/backends/redis.js';
import { keySlot, parseClusterNodes } from '../../src/backends/redisCluster.js';
import { maxNodesOf } from '../../src/backends/registry.js';
import type { NodePlacement } from '../../src/backends/serverSpec.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';
import { failoverExpectationFor } from '../../src/faults/expectations.js';
import { runFaults, type FaultRunnerContext } from '../../src/faults/faultRunner.js';
import { Audit } from '../../src/audit/audit.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import type { FaultTarget, Roles } from '../../src/lifecycle/faultTarget.js';
import { Ledger } from '../../src/load/ledger.js';
import type { LoadDriver } from '../../src/load/loadDriver.js';
import { Measurements } from '../../src/load/measurements.js';
import { specOptions } from '../../src/runner/startServers.js';

const placement: NodePlacement = {
  index: 0,
  port: 7000,
  dataDir: '/tmp/d',
  runDir: '/tmp/r',
  extraPorts: [17000],
};

describe('replicated redis topologies', () => {
  it('redis:cluster runs 6 nodes announcing 127.0.0.1, with the node timeout asked', () => {
    const spec = redisBackend.serverSpec!('redis:cluster', {
      nodes: 1,
      failover: { clusterNodeTimeoutMs: 3_500 },
    });
    expect(spec.nodes).toBe(6);
    const args = spec.args(placement, 'redis-server').join(' ');
    expect(args).toContain('--cluster-enabled yes');
    expect(args).toContain('--cluster-announce-ip 127.0.0.1');
    expect(args).toContain('--cluster-node-timeout 3500');
    expect(args).toContain('--cluster-port 17000');
    expect(args).toContain('--bind 127.0.0.1');
    expect(spec.topology!.configuration['cluster-node-timeout']).toBe('3500');
  });

  it('a fixed topology refuses another --nodes', () => {
    expect(() => redisBackend.serverSpec!('redis:sentinel', { nodes: 4 })).toThrow(UsageError);
  });

  it('sentinels get the stated defaults, or the timings asked, in their config file', () => {
    const defaults = redisBackend.serverSpec!('redis:sentinel', { nodes: 1 }).topology!;
    expect(defaults.configuration['down-after-milliseconds']).toBe('2000');
    expect(defaults.configuration['failover-timeout']).toBe('10000');
    const spec = redisBackend.serverSpec!('redis:sentinel', {
      nodes: 1,
      failover: { sentinelDownAfterMs: 1_500, sentinelFailoverTimeoutMs: 6_000 },
    });
    const conf = spec.topology!.companions!.files!(placement, [
      { name: 'node0', endpoint: '127.0.0.1:6400' },
    ])['sentinel.conf']!;
    expect(conf).toContain('sentinel monitor sessions 127.0.0.1 6400 2');
    expect(conf).toContain('sentinel down-after-milliseconds sessions 1500');
    expect(conf).toContain('sentinel failover-timeout sessions 6000');
    expect(conf).toContain('bind 127.0.0.1');
  });

  it('redis:sentinel-wait adds min-replicas-to-write and WAIT; plain sentinel neither', () => {
    const wait = redisBackend.serverSpec!('redis:sentinel-wait', { nodes: 1 });
    expect(wait.args(placement, 'redis-server').join(' ')).toContain(
      '--min-replicas-to-write 1 --min-replicas-max-lag 1',
    );
    expect(wait.topology!.configuration.WAIT).toMatch(/^1 500/);
    const plain = redisBackend.serverSpec!('redis:sentinel', { nodes: 1 });
    expect(plain.args(placement, 'redis-server').join(' ')).not.toContain('min-replicas');
    expect(plain.topology!.configuration.WAIT).toBeUndefined();
  });

  it('computes Redis Cluster key slots (CLUSTER KEYSLOT foo = 12182)', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
  });

  it('reads roles and slots from CLUSTER NODES', () => {
    const nodes = parseClusterNodes(
      [
        'a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
        'b2 127.0.0.1:7001@17001 master,fail - 0 0 2 connected 5461-10922',
        'c3 127.0.0.1:7003@17003 slave a1 0 0 1 connected',
      ].join('\n'),
    );
    expect(nodes[0]).toMatchObject({
      port: 7000,
      primary: true,
      failed: false,
      slots: [[0, 5460]],
    });
    expect(nodes[1]).toMatchObject({ primary: true, failed: true });
    expect(nodes[2]).toMatchObject({ primary: false, primaryId: 'a1', slots: [] });
  });

  it('role targets parse, and node<i> of a fixed topology is allowed beyond --nodes', async () => {
    const plan = await loadPlan(
      {
        scenario: 'smoke',
        backends: 'redis:cluster',
        faults: ['kill:primary@1s', 'pause:replica0@1s:500ms', 'restart:node5@2s'],
      },
      { nodesOf: maxNodesOf },
    );
    expect(plan.faults.map((f) => f.target)).toEqual(['primary', 'replica0', 'node5']);
    await expect(
      loadPlan(
        { scenario: 'smoke', backends: 'redis', faults: ['kill:node5@1s'] },
        { nodesOf: maxNodesOf },
      ),
    ).rejects.toThrow(/no node5 in this run/);
    const timed = await loadPlan({
      scenario: 'smoke',
      sentinelDownAfter: '1500ms',
      clusterNodeTimeout: '3s',
    });
    expect(specOptions(timed).failover).toEqual({
      sentinelDownAfterMs: 1500,
      clusterNodeTimeoutMs: 3000,
    });
  });

  it('a kill of the primary has a failover expectation with its sources', () => {
    expect(failoverExpectationFor('redis:sentinel', 'kill')?.loss).toBe('recent');
    expect(failoverExpectationFor('redis:sentinel-wait', 'kill')?.loss).toBe('none');
    expect(failoverExpectationFor('redis:cluster', 'kill')?.source).toMatch(/cluster-spec/);
    expect(failoverExpectationFor('redis:sentinel', 'latency')).toBeUndefined();
    expect(failoverExpectationFor('redis', 'kill')).toBeUndefined();
  });
});

function fakeNode(name: string, hits: string[]): FaultTarget {
  return {
    name,
    async kill(onDown) {
      hits.push(name);
      await onDown?.();
    },
    async restart(onDown) {
      hits.push(name);
      await onDown?.();
    },
    async pause() {
      hits.push(name);
    },
  };
}

function context(roles: Roles | undefined, hits: string[]): FaultRunnerContext {
  const measurements = new Measurements();
  const ledger = new Ledger(10);
  const targets = ['node0', 'node1', 'node2'].map((n) => fakeNode(n, hits));
  return {
    targets: new Map(targets.map((t) => [t.name, t])),
    ...(roles ? { roles } : {}),
    driver: { settle: async () => undefined, inFlightCount: () => 0 } as unknown as LoadDriver,
    ledger,
    audit: new Audit(ledger, () => measurements.now()),
    measurements,
    events: new EventLog(),
    signal: new AbortController().signal,
    seed: 1,
  };
}

describe('role targets', () => {
  it('resolve when the fault fires, and the failover figures name the new primary', async () => {
    let primary = 'node0';
    const roles: Roles = {
      resolveRole: async (role) =>
        role === 'primary' ? primary : role === 'replica0' ? 'node2' : undefined,
      roleMap: async () => ({ node0: primary === 'node0' ? 'primary' : 'replica' }),
      firstAcknowledgedWrite: async () => {
        primary = 'node1';
        return 'node1';
      },
    };
    const hits: string[] = [];
    const ctx = context(roles, hits);
    const [first, second] = await runFaults(
      [
        { atMs: 0, action: 'kill', target: 'primary' },
        { atMs: 20, action: 'restart', target: 'primary' },
      ],
      ctx,
    );
    expect(hits).toEqual(['node0', 'node1']);
    expect(first!.failover).toMatchObject({
      primaryBefore: 'node0',
      primaryAfter: 'node1',
      promoted: true,
    });
    expect(first!.failover!.failoverMs).toBeGreaterThanOrEqual(0);
    expect(second!.targets).toEqual(['node1']);
    const [replica] = await runFaults([{ atMs: 0, action: 'pause', target: 'replica0' }], ctx);
    expect(replica!.targets).toEqual(['node2']);
    // A fault that does not hit the primary has no failover figures.
    expect(replica!.failover).toBeUndefined();
  });

  it('without a topology a role target is skipped, with the reason', async () => {
    const hits: string[] = [];
    const [fault] = await runFaults(
      [{ atMs: 0, action: 'kill', target: 'primary' }],
      context(undefined, hits),
    );
    expect(fault!.status).toBe('skipped');
    expect(fault!.reason).toMatch(/needs a replicated store/);
    expect(hits).toEqual([]);
  });
});
