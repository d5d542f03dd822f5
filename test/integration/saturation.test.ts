import { describe, expect, it } from 'vitest';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

describe('saturation mode', () => {
  it('drives the app closed-loop with autocannon, every answer audited', async () => {
    const run = await runSmoke({ backends: 'memory,cookie', mode: 'saturation', duration: '3s' });
    for (const variant of ['memory', 'cookie']) {
      const result = resultFor(run, variant);
      expect(result.mode).toBe('saturation');
      // Far above the smoke scenario's fixed 100 req/s: the loop is closed.
      expect(result.throughputRps, variant).toBeGreaterThan(500);
      expect(result.requests.errors + result.requests.timeouts, variant).toBe(0);
      expect(result.audit.loggedOutUsers, variant).toBe(0);
      expect(result.audit.lostUpdates, variant).toBe(0);
      expect(result.audit.wrongUserSessions, variant).toBe(0);
    }
    expect(resultFor(run, 'cookie').audit.resurrectedSessions).toBeGreaterThan(0);
  });
});
