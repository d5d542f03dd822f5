import { describe, expect, it } from 'vitest';
import { Audit } from '../../src/audit/audit.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import type { FaultPlan } from '../../src/config/planSchema.js';
import { runFaults, type FaultRunnerContext } from '../../src/faults/faultRunner.js';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import type { FaultTarget } from '../../src/lifecycle/faultTarget.js';
import { Ledger } from '../../src/load/ledger.js';
import type { LoadDriver } from '../../src/load/loadDriver.js';
import { Measurements } from '../../src/load/measurements.js';

/** A target that only notes what was done to it (which targets a fault picks is pure logic). */
class NotedTarget implements FaultTarget {
  readonly actions: string[] = [];
  constructor(readonly name: string) {}
  async kill(onDown?: () => Promise<void> | void): Promise<void> {
    this.actions.push('kill');
    await onDown?.();
  }
  async restart(onDown?: () => Promise<void> | void): Promise<void> {
    this.actions.push('restart');
    await onDown?.();
  }
  async pause(): Promise<void> {
    this.actions.push('pause');
  }
}

/** `nodes` server nodes and `apps` app instances, as runVariant names them. */
function pool(nodes: number, apps: number): Map<string, NotedTarget> {
  const names = [
    ...Array.from({ length: apps }, (_, i) => `app${i}`),
    ...Array.from({ length: nodes }, (_, i) => `node${i}`),
  ];
  return new Map(names.map((name) => [name, new NotedTarget(name)]));
}

const idleDriver: LoadDriver = {
  run: async () => {},
  settle: async () => {},
  inFlightCount: () => 0,
};

/** Runs the faults at once (the clock is put far past their times) on the given targets. */
async function hit(faults: FaultPlan[], targets: Map<string, NotedTarget>, seed = 1) {
  const ledger = new Ledger(10);
  const measurements = new Measurements();
  measurements.originMs = performance.now() - 1e9;
  const ctx: FaultRunnerContext = {
    targets,
    driver: idleDriver,
    ledger,
    audit: new Audit(ledger),
    measurements,
    events: new EventLog(),
    signal: new AbortController().signal,
    seed,
  };
  const executions = await runFaults(faults, ctx);
  const done = Object.fromEntries(
    [...targets.values()].filter((t) => t.actions.length).map((t) => [t.name, t.actions]),
  );
  return { executions, done };
}

const fault = (target: string, action: FaultPlan['action'] = 'kill'): FaultPlan => ({
  atMs: 0,
  action,
  target,
});

describe('fault targets', () => {
  it('store: node0 of a server pool, never the other nodes or the app', async () => {
    const { executions, done } = await hit([fault('store')], pool(3, 2));
    expect(executions[0]).toMatchObject({ status: 'done', targets: ['node0'] });
    expect(done).toEqual({ node0: ['kill'] });
  });

  it('store: every app instance of an embedded backend (the app holds the sessions)', async () => {
    const { executions, done } = await hit([fault('store', 'pause')], pool(0, 2));
    expect(executions[0]).toMatchObject({ status: 'done', targets: ['app0', 'app1'] });
    expect(done).toEqual({ app0: ['pause'], app1: ['pause'] });
  });

  it('all: every node at once and no app; for an embedded backend every app instance', async () => {
    const servers = await hit([fault('all', 'restart')], pool(3, 2));
    expect(servers.executions[0]!.targets).toEqual(['node0', 'node1', 'node2']);
    expect(servers.done).toEqual({
      node0: ['restart'],
      node1: ['restart'],
      node2: ['restart'],
    });
    const embedded = await hit([fault('all', 'restart')], pool(0, 2));
    expect(embedded.done).toEqual({ app0: ['restart'], app1: ['restart'] });
  });

  it('random: one node drawn from the seed, the same for the same seed, never an app', async () => {
    const drawn = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const first = await hit([fault('random')], pool(3, 2), seed);
      const again = await hit([fault('random')], pool(3, 2), seed);
      expect(first.executions[0]!.targets).toHaveLength(1);
      expect(again.executions[0]!.targets).toEqual(first.executions[0]!.targets);
      drawn.add(first.executions[0]!.targets[0]!);
    }
    // Every node can be drawn, and only nodes.
    expect([...drawn].sort()).toEqual(['node0', 'node1', 'node2']);
  });

  it('random: an embedded backend draws one app instance', async () => {
    const { executions, done } = await hit([fault('random')], pool(0, 3), 7);
    expect(executions[0]!.targets).toHaveLength(1);
    expect(executions[0]!.targets[0]).toMatch(/^app[0-2]$/);
    expect(Object.values(done)).toEqual([['kill']]);
  });

  it('the shipped scenarios hit what their descriptions say', async () => {
    const targetsOf = async (scenario: string, nodes: number) => {
      const plan = await loadPlan({ scenario, nodes: String(nodes), backends: 'redis' });
      const { executions } = await hit(plan.faults, pool(nodes, 1), plan.load.seed);
      return executions.map((e) => `${e.plan.action}:${e.targets.join('+')}`);
    };
    expect(await targetsOf('crash', 3)).toEqual(['kill:node0']);
    expect(await targetsOf('pause', 3)).toEqual(['pause:node0']);
    expect(await targetsOf('restart', 3)).toEqual(['restart:node0+node1+node2']);
    expect(await targetsOf('matrix', 2)).toEqual(['restart:node0+node1', 'kill:node0+node1']);
    const day = await targetsOf('day', 3);
    expect(day).toHaveLength(2);
    for (const entry of day) expect(entry).toMatch(/^kill:node[0-2]$/);
  });
});
