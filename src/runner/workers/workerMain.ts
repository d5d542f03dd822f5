import { finalSweep } from '../../audit/finalSweep.js';
import { backendOf } from '../../backends/registry.js';
import { errorMessage } from '../../errors.js';
import { AppClient } from '../../load/appClient.js';
import { socketsFor } from '../../load/loadDriver.js';
import { warmUp } from '../../load/warmUp.js';
import { runLoad } from '../runLoad.js';
import { assembleResult, recordFailure } from '../variantResult.js';
import type { VariantRun } from '../variantRun.js';
import { newVariantState } from '../variantState.js';
import type { FromWorker, ToWorker } from './workerProtocol.js';

/**
 * A generator worker (`run --workers N`): one slice of the users, driven through the
 * existing warm-up, load phase and final sweep against the runner's app. Started by
 * workerPool.ts with an IPC channel; exits with the runner (the channel closes).
 */

const abort = new AbortController();
const send = (message: FromWorker) => process.send?.(message);
const inbox: ToWorker[] = [];
let wake: (() => void) | undefined;

process.on('message', (message: ToWorker) => {
  if (message.type === 'abort') abort.abort();
  inbox.push(message);
  wake?.();
});
process.on('disconnect', () => {
  abort.abort();
  process.exit(1);
});
// The runner decides about interrupts; a Ctrl-C reaches the whole group.
process.on('SIGINT', () => abort.abort());

async function next<T extends ToWorker['type']>(type: T): Promise<Extract<ToWorker, { type: T }>> {
  for (;;) {
    const found = inbox.findIndex((m) => m.type === type);
    if (found >= 0) return inbox.splice(found, 1)[0] as Extract<ToWorker, { type: T }>;
    if (abort.signal.aborted) throw new Error('aborted by the runner');
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

async function work(): Promise<void> {
  const start = await next('start');
  const run: VariantRun = {
    runId: 'worker',
    variant: start.variant,
    backend: backendOf(start.variant),
    plan: start.plan,
    secret: '',
    workDir: '',
    signal: abort.signal,
    userOffset: start.userOffset,
    shardResult: true,
  };
  const { load } = run.plan;
  const state = newVariantState(run);
  const client = new AppClient(start.appUrls, load.timeoutMs, socketsFor(load), start.userOffset);
  try {
    await warmUp(client, state.audit, load.users, abort.signal);
    state.endPhase('warmUp');
    send({ type: 'ready' });
    await next('go');
    await runLoad(run, state, client);
    state.endPhase('load');
    send({ type: 'loaded' });
    state.downWindows = (await next('sweep')).downWindows;
    await finalSweep(client, state.ledger, state.audit, abort.signal);
    state.endPhase('sweep');
  } catch (error) {
    recordFailure(run, state, error);
  } finally {
    client.close();
  }
  assembleResult(run, state);
  send({ type: 'result', result: state.result });
}

work().then(
  () => process.disconnect?.(),
  (error: unknown) => {
    send({ type: 'failed', reason: errorMessage(error) });
    process.disconnect?.();
  },
);
