import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/config/loadPlan.js';
import { runPlan } from '../../src/runner/runPlan.js';
import { resultFor } from '../helpers/runScenario.js';

describe('the default scenario', () => {
  it('crashes the store of an embedded backend too: memory loses its users, not "0"', async () => {
    // The shipped scenario with fewer users and a lighter rate; its crash at 12 s stays.
    const plan = await loadPlan({ backends: 'memory', users: '300', rate: '100', duration: '13s' });
    expect(plan.warnings).toBeUndefined();
    const memory = resultFor(
      await runPlan(plan, { signal: new AbortController().signal }),
      'memory',
    );
    expect(memory.faults).toHaveLength(1);
    expect(memory.faults[0]).toMatchObject({ action: 'kill', status: 'done', targets: ['app0'] });
    expect(memory.faults[0]!.loggedOutUsers).toBeGreaterThan(200);
    expect(memory.audit.loggedOutUsers).toBeGreaterThan(200);
  });
});
