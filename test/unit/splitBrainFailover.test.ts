import { describe, expect, it } from 'vitest';
import { failoverExpectationFor } from '../../src/faults/expectations.js';
import { startFailoverWatch } from '../../src/faults/failover.js';
import type { Roles } from '../../src/lifecycle/faultTarget.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { Measurements } from '../../src/load/measurements.js';

/** A topology whose old primary acknowledges the probe until `promoteAfter` calls. */
function splitRoles(promoteAfter: number): Roles & { calls: number } {
  const roles = {
    calls: 0,
    resolveRole: async () => 'node0',
    roleMap: async () => ({}),
    firstAcknowledgedWrite: async () => (++roles.calls > promoteAfter ? 'node1' : 'node0'),
  };
  return roles;
}

const ctx = () => ({ measurements: new Measurements(), signal: new AbortController().signal });

describe('failover probe during a split brain', () => {
  it('a network fault: the old primary answering is not the failover; the promoted node is', async () => {
    const roles = splitRoles(3);
    const watch = (await startFailoverWatch(roles, ['node0'], ctx()))!;
    watch.probe({ elsewhere: true });
    const figures = await watch.figures();
    expect(figures).toMatchObject({
      primaryBefore: 'node0',
      primaryAfter: 'node1',
      promoted: true,
    });
    expect(roles.calls).toBe(4);
  });

  it('healed before any promotion: the old primary counts again, not promoted', async () => {
    const roles = splitRoles(Number.POSITIVE_INFINITY);
    const watch = (await startFailoverWatch(roles, ['node0'], ctx()))!;
    watch.probe({ elsewhere: true });
    await sleep(200);
    expect(roles.calls).toBeGreaterThan(1);
    watch.ended();
    const figures = await watch.figures();
    expect(figures).toMatchObject({ primaryAfter: 'node0', promoted: false });
  });

  it('a node fault: the first acknowledged write ends it, whoever acknowledged', async () => {
    const roles = splitRoles(3);
    const watch = (await startFailoverWatch(roles, ['node0'], ctx()))!;
    watch.probe();
    expect(await watch.figures()).toMatchObject({ primaryAfter: 'node0', promoted: false });
    expect(roles.calls).toBe(1);
  });
});

describe('split brain expectations', () => {
  it('a partition of the primary: sentinel loses recent writes, sentinel-wait none, each with sources', () => {
    const plain = failoverExpectationFor('redis:sentinel', 'partition')!;
    const wait = failoverExpectationFor('redis:sentinel-wait', 'partition')!;
    expect(plain.loss).toBe('recent');
    expect(plain.source).toMatch(/redis\.io.*sentinel.*aphyr/);
    expect(wait.loss).toBe('none');
    expect(wait.source).toMatch(/commands\/wait/);
    // Latency on the primary is not a split brain: no expectation.
    expect(failoverExpectationFor('redis:sentinel', 'latency')).toBeUndefined();
  });
});
