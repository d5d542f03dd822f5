import { describe, expect, it } from 'vitest';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

describe('saturation mode', () => {
  it('drives the app closed-loop, every answer audited', async () => {
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

  it('with an app restart: errors in the log, the load goes on after it, figures from the log', async () => {
    const run = await runSmoke({
      backends: 'memory',
      mode: 'saturation',
      duration: '5s',
      faults: ['restart:app@1500ms'],
    });
    const result = resultFor(run, 'memory');
    const [restart] = result.faults;
    expect(restart!.status).toBe('done');
    // Failed requests land in the same log as answers: the timeline and the fault see them.
    const timelineErrors = result.timeline.reduce((sum, p) => sum + p.errors, 0);
    expect(timelineErrors).toBe(result.requests.errors + result.requests.timeouts);
    expect(result.requests.errors + result.requests.timeouts).toBeGreaterThan(0);
    expect(restart!.errorsDuringFault).toBeGreaterThan(0);
    expect(restart!.unavailableMs).toBeGreaterThan(0);
    expect(restart!.recoveryMs).not.toBeNull();
    expect(restart!.recoveryMs!).toBeGreaterThanOrEqual(restart!.unavailableMs);
    // Answers every second to the end: the load kept going once the app was back.
    expect(result.timeline).toHaveLength(5);
    for (const point of result.timeline.slice(3)) expect(point.rps).toBeGreaterThan(100);
    expect(result.stalled).toBeUndefined();
    // Throughput over the whole load phase, not to the last answer.
    expect(result.throughputRps).toBeLessThanOrEqual(result.requests.ok / 5);
    expect(result.throughputRps).toBeGreaterThan(result.requests.ok / 6);
  });
});
