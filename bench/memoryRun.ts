/**
 * The one way the bench scripts run session-bench in-process: the smoke scenario with
 * the `memory` backend and the given flags, exactly as the CLI builds the plan. With
 * `appUrl` every run talks to one app process that the bench started (startMemoryApp).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppProcess } from '../src/app/appProcess.js';
import { memoryBackend } from '../src/backends/memory.js';
import { loadPlan, type RunOverrides } from '../src/config/loadPlan.js';
import type { Plan } from '../src/config/planSchema.js';
import { freePort } from '../src/lifecycle/freePort.js';
import { EventLog } from '../src/lifecycle/eventLog.js';
import type { VariantResult } from '../src/result/result.js';
import { runPlan } from '../src/runner/runPlan.js';

/** session-bench's default: the app answers 503 when a store call takes longer. */
const STORE_TIMEOUT_MS = 2_000;

/** Runs `memory` once; `adjust` edits the plan (fields with no flag); a variant that did not complete throws. */
export async function runMemory(
  flags: RunOverrides,
  options: { workers?: number; adjust?: (plan: Plan) => void } = {},
): Promise<VariantResult> {
  const plan = await loadPlan({ scenario: 'smoke', backends: 'memory', ...flags });
  options.adjust?.(plan);
  const run = await runPlan(plan, {
    signal: new AbortController().signal,
    workers: options.workers,
  });
  const memory = run.results[0]!;
  if (memory.status !== 'completed') throw new Error(`memory ${memory.status}: ${memory.reason}`);
  return memory;
}

/** One session app child with the `memory` store on a free 127.0.0.1 port; stop() ends it. */
export async function startMemoryApp(payloadBytes = 1024): Promise<AppProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-app-'));
  const app = new AppProcess(
    'app0',
    {
      port: await freePort(),
      storeModule: memoryBackend.storeModule.href,
      store: { variant: 'memory', ttlMs: 3_600_000, secret: 'bench-secret', dataDir },
      payloadBytes,
      storeTimeoutMs: STORE_TIMEOUT_MS,
    },
    new EventLog(),
  );
  await app.start();
  return app;
}
