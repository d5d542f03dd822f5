import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUCKET_RATE_RPS, tokenBucketBackend } from '../fixtures/tokenBucketStore.js';
import { backendOf } from '../../src/backends/registry.js';
import { runBackend, smokePlan } from '../helpers/runScenario.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { runVariant } from '../../src/runner/runVariant.js';

/** Capacity mode on the smoke scenario: short steps, few users. */
const capacityPlan = (flags: Record<string, string>) =>
  smokePlan({ mode: 'capacity', users: '300', stepDuration: '2s', ...flags });

describe('capacity mode', () => {
  it('finds the knee of a store that serves a known rate, within 15%', async () => {
    // 40, 80, 160 req/s, then 3 bisections: the knee lands near the bucket's rate.
    const plan = await capacityPlan({ rate: '40', bisections: '3', slo: 'p99<50ms' });
    const result = await runBackend(tokenBucketBackend, 'bucket', plan);
    const capacity = result.capacity!;
    const curve = JSON.stringify(capacity.steps);
    expect(result.status, result.reason).toBe('completed');
    // Logins (~5% of requests) take no token: the knee is the bucket's rate / 0.95.
    const expected = BUCKET_RATE_RPS / 0.95;
    // The store is never blamed below its capacity, and nothing passes well above it.
    for (const step of capacity.steps) {
      if (step.verdict === 'fail') expect(step.rateRps, curve).toBeGreaterThan(expected * 0.85);
      if (step.verdict === 'pass') expect(step.rateRps, curve).toBeLessThan(expected * 1.15);
    }
    // The store failed somewhere: the knee brackets its rate, whatever the generator did later.
    expect(
      capacity.steps.some((s) => s.verdict === 'fail'),
      curve,
    ).toBe(true);
    expect(capacity.kneeRps, curve).not.toBeNull();
    expect(Math.abs(capacity.kneeRps! - expected) / expected, curve).toBeLessThanOrEqual(0.15);
    expect(capacity.requestsPerDay).toBe(Math.round((capacity.kneeRps! * 86_400) / 3));
    if (capacity.limitedBy === 'store') {
      expect(capacity.steps.some((s) => s.kind === 'bisect')).toBe(true);
    }
    expect(capacity.arithmetic).toContain('86,400 s / 3');
    // The steps' requests are the variant's too: one timeline across the search.
    expect(result.requests.total).toBe(capacity.steps.reduce((sum, s) => sum + s.requests, 0));
  }, 90_000);

  it("labels a step lost to a starved generator as the generator's limit", async () => {
    const plan = await capacityPlan({ rate: '50', bisections: '1', slo: 'p99<20ms' });
    // The generator (this process) spends 30 ms of every 40 ms in a busy loop.
    const starve = setInterval(() => {
      const until = performance.now() + 30;
      while (performance.now() < until);
    }, 40);
    try {
      const result = await runBackend(backendOf('memory'), 'memory', plan);
      const capacity = result.capacity!;
      const curve = JSON.stringify(capacity.steps);
      expect(capacity.steps[0]!.verdict, curve).toBe('generator');
      expect(capacity.steps[0]!.reasons.join(), curve).toMatch(/generator (lag|stalled)/);
      expect(capacity.limitedBy).toBe('generator');
      expect(capacity.kneeRps).toBeNull();
      // Tried once more at the same rate, then the search stops: higher rates would
      // only measure the tool.
      expect(
        capacity.steps.map((s) => [s.kind, s.verdict]),
        curve,
      ).toEqual([
        ['geometric', 'generator'],
        ['retry', 'generator'],
      ]);
    } finally {
      clearInterval(starve);
    }
  }, 60_000);

  it('an interrupt ends the search: the step it cut short is not judged', async () => {
    const plan = await capacityPlan({ rate: '50' });
    const controller = new AbortController();
    // Mid-way through the second 2 s step (warm-up and the 1 s pause included).
    setTimeout(() => controller.abort(), 4_500);
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-test-'));
    const result = await runVariant({
      runId: newRunId(),
      variant: 'memory',
      backend: backendOf('memory'),
      plan,
      secret: 'test-secret',
      workDir,
      signal: controller.signal,
    }).finally(() => rm(workDir, { recursive: true, force: true }));
    expect(result.status).toBe('aborted');
    const steps = result.capacity!.steps;
    expect(steps.length).toBeGreaterThanOrEqual(1);
    // Every step kept ran its whole load: rate x 2 s requests.
    for (const step of steps) expect(step.requests).toBe(step.rateRps * 2);
  }, 30_000);
});
