import { describe, expect, it } from 'vitest';
import { Audit } from '../../src/audit/audit.js';
import { runFaults, type FaultRunnerContext } from '../../src/faults/faultRunner.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import type { FaultTarget } from '../../src/lifecycle/faultTarget.js';
import { FRONT_LINK, type NetworkLink } from '../../src/network/faultProxy.js';
import { Ledger } from '../../src/load/ledger.js';
import type { LoadDriver } from '../../src/load/loadDriver.js';
import { Measurements } from '../../src/load/measurements.js';

/** A target that keeps the FaultTarget contract: gone, then `onDown`, then started again. */
function fakeNode(name: string) {
  const node = {
    name,
    starts: 0,
    async kill(onDown?: () => Promise<void> | void) {
      await onDown?.();
      node.starts++;
    },
    async restart(onDown?: () => Promise<void> | void) {
      await onDown?.();
      node.starts++;
    },
    async pause() {},
  };
  return node satisfies FaultTarget;
}

function contextWith(targets: FaultTarget[], signal: AbortSignal): FaultRunnerContext {
  const measurements = new Measurements();
  const ledger = new Ledger(10);
  const driver = { settle: async () => undefined, inFlightCount: () => 0 } as unknown as LoadDriver;
  return {
    targets: new Map(targets.map((t) => [t.name, t])),
    driver,
    ledger,
    audit: new Audit(ledger, () => measurements.now()),
    measurements,
    events: new EventLog(),
    signal,
    seed: 1,
  };
}

describe('runFaults', () => {
  it('an interrupt skips a fault still waiting for its time, without waiting for that time', async () => {
    const controller = new AbortController();
    // Only the clock and the signal are read before a fault's time comes.
    const ctx = {
      measurements: new Measurements(),
      signal: controller.signal,
      seed: 1,
      targets: new Map(),
    } as unknown as FaultRunnerContext;
    const started = performance.now();
    const runs = runFaults([{ atMs: 60_000, action: 'kill', target: 'app' }], ctx);
    setTimeout(() => controller.abort(), 50);
    const executions = await runs;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(executions).toEqual([
      {
        plan: { atMs: 60_000, action: 'kill', target: 'app' },
        status: 'skipped',
        reason: 'run aborted',
        targets: [],
      },
    ]);
  });

  it.each(['kill', 'restart'] as const)(
    'an interrupt during a %s downtime ends it at once and starts no target again',
    async (action) => {
      const controller = new AbortController();
      const nodes = [fakeNode('node0'), fakeNode('node1')];
      const ctx = contextWith(nodes, controller.signal);
      const started = performance.now();
      const runs = runFaults([{ atMs: 0, action, target: 'all', durationMs: 60_000 }], ctx);
      setTimeout(() => controller.abort(), 100);
      const [execution] = await runs;
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(nodes.map((n) => n.starts)).toEqual([0, 0]);
      // It did happen (its losses count); it only did not end with the targets back.
      expect(execution).toMatchObject({
        status: 'done',
        targets: ['node0', 'node1'],
        reason: 'interrupted while node0,node1 was down: not started again',
      });
      expect(ctx.events.events.map((e) => e.event)).toEqual([`fault ${action}`]);
    },
  );

  it('without an interrupt the downtime lasts what was asked, then the target starts again', async () => {
    const node = fakeNode('node0');
    const ctx = contextWith([node], new AbortController().signal);
    const started = performance.now();
    const [execution] = await runFaults(
      [{ atMs: 0, action: 'kill', target: 'node0', durationMs: 300 }],
      ctx,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(node.starts).toBe(1);
    expect(execution).toMatchObject({ status: 'done', targets: ['node0'] });
    expect(execution!.reason).toBeUndefined();
  });

  it('a network fault skipped on a replicated store reports no failover (it would read as ~0 ms)', async () => {
    const ctx = contextWith([fakeNode('node0'), fakeNode('node1')], new AbortController().signal);
    ctx.measurements.startLoad();
    // A topology with roles and no peer links: the partition of its primary cannot run.
    ctx.roles = {
      resolveRole: async () => 'node0',
      roleMap: async () => ({ node0: 'primary', node1: 'replica' }),
      firstAcknowledgedWrite: async () => 'node0',
    };
    const [execution] = await runFaults(
      [{ atMs: 0, action: 'partition', target: 'primary', durationMs: 100 }],
      ctx,
    );
    expect(execution).toMatchObject({ status: 'skipped', targets: ['node0'] });
    expect(execution!.reason).toMatch(/no peer link in front of node0/);
    expect(execution!.failover).toBeUndefined();
  });

  it('a network fault on `store` acts on the front link of a topology reached through one', async () => {
    const ctx = contextWith([fakeNode('node0'), fakeNode('node1')], new AbortController().signal);
    ctx.measurements.startLoad();
    const acted: string[] = [];
    const linkNamed = (name: string) =>
      ({
        name,
        endpoint: '127.0.0.1:1',
        set: async () => void acted.push(`${name} set`),
        clear: async () => void acted.push(`${name} clear`),
        reset: async () => 0,
        retarget: async () => 0,
      }) satisfies NetworkLink;
    ctx.links = new Map([
      ['node0', linkNamed('node0')],
      [FRONT_LINK, linkNamed(FRONT_LINK)],
    ]);
    const [execution] = await runFaults(
      [{ atMs: 0, action: 'partition', target: 'store', durationMs: 20 }],
      ctx,
    );
    expect(execution).toMatchObject({ status: 'done' });
    expect(acted).toEqual([`${FRONT_LINK} set`, `${FRONT_LINK} clear`]);
  });
});
