import { spawn, type ChildProcess } from 'node:child_process';
import type { Plan } from '../../config/planSchema.js';
import { shardPlan, shardSlice } from '../../config/shard.js';
import { RuntimeError } from '../../errors.js';
import { exitDetail, stopChild } from '../../lifecycle/childProcess.js';
import type { DownWindow } from '../../load/stalls.js';
import { nodeArgsFor, siblingModule } from '../../paths.js';
import type { VariantResult } from '../../result/result.js';
import type { FromWorker, ToWorker } from './workerProtocol.js';

const WORKER_MAIN = siblingModule(import.meta.url, 'workerMain');
const STOP_GRACE_MS = 2_000;

/** One generator child and the messages it sent that nobody waited for yet. */
class Worker {
  private readonly inbox: FromWorker[] = [];
  private wake: (() => void) | undefined;
  private exited = false;

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: FromWorker) => {
      this.inbox.push(m);
      this.wake?.();
    });
    // 'close', not 'exit': by then every message it sent (a 'failed' with its reason) is in.
    child.on('close', () => {
      this.exited = true;
      this.wake?.();
    });
    // A send to a worker that just exited fails: its exit is reported by next().
    child.on('error', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2_000);
    });
  }

  /** Its last stderr output, for the error that says it failed. */
  private stderr = '';

  send(message: ToWorker): void {
    if (!this.exited && this.child.connected) this.child.send(message, () => {});
  }

  /** The next message of one of `types`; a failure or an exit before it is a RuntimeError. */
  async next<T extends FromWorker['type']>(
    ...types: T[]
  ): Promise<Extract<FromWorker, { type: T }>> {
    for (;;) {
      const failed = this.inbox.find((m) => m.type === 'failed');
      if (failed?.type === 'failed')
        throw new RuntimeError(`worker ${this.index}: ${failed.reason}`);
      const found = this.inbox.findIndex((m) => (types as string[]).includes(m.type));
      if (found >= 0) return this.inbox.splice(found, 1)[0] as Extract<FromWorker, { type: T }>;
      if (this.exited) {
        const last = this.stderr.trim().split('\n').slice(-3).join(' | ');
        throw new RuntimeError(
          `worker ${this.index} exited (${exitDetail(this.child)}) before '${types.join("' or '")}'${last ? `: ${last}` : ''}`,
        );
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** After the runner's load: the worker's load over, then its sweep, then its result. */
  async finish(downWindows: DownWindow[]): Promise<VariantResult> {
    // A worker whose own variant failed sends its result (status failed) at once.
    const first = await this.next('loaded', 'result');
    if (first.type === 'result') return first.result;
    this.send({ type: 'sweep', downWindows });
    return (await this.next('result')).result;
  }
}

/**
 * The runner's side of `--workers N`: workers 2..N as child processes, each a local
 * shard of the same split as `--shard i/N` (the runner itself drives slice 1 and runs
 * the faults). The steps keep everyone in phase: all logged in, then one go, then one
 * sweep once the runner's load (and its faults) is over.
 */
export class WorkerPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Spawns the workers and hands each its slice; they log their users in at once. */
  static start(plan: Plan, count: number, variant: string, appUrls: string[]): WorkerPool {
    const workers: Worker[] = [];
    for (let index = 2; index <= count; index++) {
      const child = spawn(process.execPath, nodeArgsFor(WORKER_MAIN), {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      const worker = new Worker(index, child);
      worker.send({
        type: 'start',
        variant,
        plan: shardPlan(plan, { runId: '', planHash: '', index, count, faults: 'first' }),
        userOffset: shardSlice(plan.load.users, index, count).from,
        appUrls,
      });
      workers.push(worker);
    }
    return new WorkerPool(workers);
  }

  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.next('ready')));
  }

  go(): void {
    for (const w of this.workers) w.send({ type: 'go' });
  }

  /** After the runner's load: each worker's result, once its load and sweep are over. */
  async finish(downWindows: DownWindow[]): Promise<{ index: number; result: VariantResult }[]> {
    return Promise.all(
      this.workers.map(async (w) => ({ index: w.index, result: await w.finish(downWindows) })),
    );
  }

  async stop(): Promise<void> {
    for (const w of this.workers) w.send({ type: 'abort' });
    await Promise.all(this.workers.map((w) => stopChild(w.child, 'SIGTERM', STOP_GRACE_MS)));
  }
}
