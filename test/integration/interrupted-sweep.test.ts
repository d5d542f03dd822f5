import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendOf } from '../../src/backends/registry.js';
import { ProgressChannel } from '../../src/runner/progress.js';
import { newRunId } from '../../src/lifecycle/runNames.js';
import { runVariant } from '../../src/runner/runVariant.js';
import { smokePlan } from '../helpers/runScenario.js';

describe('an interrupt during the final sweep', () => {
  it('aborts the variant and counts every user the sweep did not reach as unverified', async () => {
    const plan = await smokePlan({ backends: 'memory', duration: '1s', users: '3000' });
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-sweep-'));
    const interrupt = new AbortController();
    const progress = new ProgressChannel();
    progress.on((event) => {
      if (event.type === 'phase' && event.text === 'final sweep') {
        setTimeout(() => interrupt.abort(), 100);
      }
    });
    try {
      const result = await runVariant({
        runId: newRunId(),
        variant: 'memory',
        backend: backendOf('memory'),
        plan,
        secret: 'test-secret',
        workDir,
        signal: interrupt.signal,
        progress,
      });
      expect(result.status).toBe('aborted');
      expect(result.reason).toBe('interrupted');
      // Cut soon after it began: most users were never read back.
      expect(result.phasesMs.sweep).toBeLessThan(1_000);
      expect(result.audit.unverifiedUsers).toBeGreaterThan(0);
      expect(result.audit.unverifiedUsers).toBeLessThanOrEqual(result.users.total);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
