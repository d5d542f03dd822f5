import { describe, expect, it } from 'vitest';
import { brokenBackend } from '../fixtures/brokenStore.js';
import { runBackend, smokePlan } from '../helpers/runScenario.js';

describe('wrongUserSessions', () => {
  it("fires when a store hands out another user's session", async () => {
    const result = await runBackend(brokenBackend, 'broken', await smokePlan({ duration: '3s' }));
    expect(result.status, result.reason).toBe('completed');
    expect(result.audit.wrongUserSessions).toBeGreaterThan(0);
  });
});
