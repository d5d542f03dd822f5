import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/lifecycle/eventLog.js';
import type { Roles } from '../../src/lifecycle/faultTarget.js';
import { sleep } from '../../src/lifecycle/sleep.js';
import { withRoleTimeline } from '../../src/runner/roleTimeline.js';

function rolesOf(roleMap: () => Record<string, string>): Roles {
  return {
    resolveRole: async () => 'node1',
    roleMap: async () => roleMap(),
    firstAcknowledgedWrite: async () => 'node1',
  };
}

function roleEvents(events: EventLog, node: string): string[] {
  return events.events
    .filter((e) => e.target === node && e.event === 'role')
    .map((e) => e.detail ?? '');
}

describe('the role timeline', () => {
  it('follows the roles for the whole load, a node rejoining after every fault too', async () => {
    let rejoined = false;
    const events = new EventLog();
    setTimeout(() => (rejoined = true), 400);
    const answer = await withRoleTimeline(
      rolesOf(() => ({ node0: rejoined ? 'replica' : 'down', node1: 'primary' })),
      events,
      async () => {
        await sleep(900);
        return 'load done';
      },
    );
    expect(answer).toBe('load done');
    expect(roleEvents(events, 'node0')).toEqual(['down', 'replica (was down)']);
    expect(roleEvents(events, 'node1')).toEqual(['primary']);
  });

  it('records nothing once the load has ended', async () => {
    let ended = false;
    let asked = 0;
    const events = new EventLog();
    // The last question is still out when the load ends; its answer names a new primary.
    const roles: Roles = {
      ...rolesOf(() => ({})),
      roleMap: async (): Promise<Record<string, string>> => {
        asked += 1;
        if (asked === 1) return { node0: 'primary' };
        await sleep(200);
        return { node0: ended ? 'replica' : 'primary', node1: 'primary' };
      },
    };
    // Asked at 0 and 250 ms (answered at 450 ms); the load ends at 350 ms.
    await withRoleTimeline(roles, events, async () => {
      await sleep(350);
      ended = true;
    });
    expect(asked).toBe(2);
    expect(roleEvents(events, 'node0')).toEqual(['primary']);
    expect(roleEvents(events, 'node1')).toEqual([]);
  });

  it('without roles the load runs and nothing is recorded', async () => {
    const events = new EventLog();
    expect(await withRoleTimeline(undefined, events, async () => 7)).toBe(7);
    expect(events.events).toEqual([]);
  });

  it('a failing load still ends the watch and its error reaches the caller', async () => {
    let asked = 0;
    const roles = rolesOf(() => {
      asked += 1;
      return { node0: 'primary' };
    });
    await expect(
      withRoleTimeline(roles, new EventLog(), async () => {
        await sleep(50);
        throw new Error('driver failed');
      }),
    ).rejects.toThrow('driver failed');
    const askedAtEnd = asked;
    await sleep(400);
    expect(asked).toBe(askedAtEnd);
  });
});
