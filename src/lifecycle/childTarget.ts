import type { ChildProcess } from 'node:child_process';
import { InterruptedError, RuntimeError, errorMessage } from '../errors.js';
import {
  exitDetail,
  groupGone,
  isRunning,
  signalGroup,
  stopChild,
  waitForExit,
  type Signaller,
} from './childProcess.js';
import type { EventLog } from './eventLog.js';
import type { FaultTarget } from './faultTarget.js';
import { GroupGuard } from './groupGuard.js';
import { LogTail } from './logTail.js';
import { childPidsOf, groupAlive, isAlive, signalEach } from './processTree.js';
import { processTreeUsage, type Metered, type ResourceReading } from './resourceUsage.js';
import { sleep } from './sleep.js';
import { NotReadyError, waitReady, type WaitReadyOptions } from './waitReady.js';

export interface ChildTargetOptions {
  /** The fault target name: node0, app0, ... */
  name: string;
  events: EventLog;
  /** A graceful stop: the signal the child's own shutdown path listens to. */
  stopSignal: NodeJS.Signals;
  /** How long a graceful stop may take before SIGKILL. */
  stopGraceMs: number;
  /** The same for the stop of a restart fault (default: stopGraceMs). */
  restartGraceMs?: number;
  /** After a graceful stop, start again only once the wall clock is in a later second. */
  restartInNextSecond?: boolean;
  /** The run's signal: once it aborts nothing is (re)started and a pause ends at once. */
  signal?: AbortSignal;
  /** Output lines kept for error messages. */
  logLines?: number;
  /**
   * Kill and pause reach the child's own children too (PostgreSQL's backends, each
   * in a session of its own), as docker kill / pause reach a whole container.
   */
  withChildren?: boolean;
  /**
   * The child leads its own process group (spawned detached), e.g. a shell running the
   * user's command: every signal goes to the whole group, and a stop or kill returns
   * once the group is empty, so a shell cannot swallow a kill or leave its children.
   */
  processGroup?: boolean;
}

/** How long the children of a killed child may take to exit before a start goes on. */
const CHILDREN_EXIT_MS = 10_000;

/** How a subclass knows its child serves (everything waitReady needs but the child's fate). */
export type Readiness = Pick<
  WaitReadyOptions,
  'probe' | 'intervalMs' | 'attemptTimeoutMs' | 'deadlineMs'
>;

/**
 * A fault target that is one local child process (the app, a server of the process
 * provider): start until ready, graceful stop, kill, restart, pause, all in one place
 * so they cannot drift apart. Subclasses say how to spawn it and how it is ready.
 */
export abstract class ChildTarget implements FaultTarget, Metered {
  readonly name: string;
  readonly usageSource = 'proc' as const;
  private child: ChildProcess | undefined;
  private readonly tail: LogTail;
  /** Exits we caused (stop, kill, restart, a failed start) are not deaths. */
  private expectedExit = false;
  /** Process group mode: kills the group should session-bench die without stopping it. */
  private readonly guard: GroupGuard | undefined;

  constructor(private readonly target: ChildTargetOptions) {
    this.name = target.name;
    this.tail = new LogTail(target.logLines ?? 40);
    this.guard = target.processGroup ? new GroupGuard() : undefined;
  }

  /** Names the child in messages, e.g. "node0: redis-server". */
  protected abstract get label(): string;
  /** Where it serves, e.g. "127.0.0.1:6379". */
  protected abstract get where(): string;
  protected abstract spawnChild(): ChildProcess;
  protected abstract readiness(child: ChildProcess): Readiness;
  /** Runs once the child has a pid, before readiness (e.g. writes a pid file). */
  protected async afterSpawn(_pid: number): Promise<void> {}
  /** Runs once the child is gone for good or until the next start. */
  protected async afterStop(): Promise<void> {}
  /** Every line the child prints on stdout. */
  protected onOutputLine(_line: string): void {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The child's process tree's counters from /proc; undefined while it is not running. */
  async usage(): Promise<ResourceReading | undefined> {
    const pid = this.child && isRunning(this.child) ? this.child.pid : undefined;
    return pid === undefined ? undefined : processTreeUsage(pid);
  }

  /** The last lines the child printed. */
  logs(): string[] {
    return this.tail.tail();
  }

  /** Spawns the child and resolves once it serves; a failed start leaves nothing running. */
  async start(): Promise<void> {
    const old = this.child;
    if (old && isRunning(old)) {
      throw new RuntimeError(`${this.name} is already running (pid ${old.pid})`);
    }
    if (this.target.signal?.aborted) {
      throw new InterruptedError(`${this.name}: not started: the run was interrupted`);
    }
    const child = await this.spawned();
    const { events } = this.target;
    events.record(this.name, 'start', `pid ${child.pid} on ${this.where}`);
    let serving = false;
    child.once('exit', () => {
      if (this.expectedExit) return;
      events.record(this.name, serving ? 'died' : 'exited', exitDetail(child));
    });
    const startedAt = performance.now();
    try {
      await this.afterSpawn(child.pid!);
      await waitReady({
        what: this.label,
        ...this.readiness(child),
        died: waitForExit(child).then(() => exitDetail(child)),
        signal: this.target.signal,
      });
    } catch (error) {
      this.expectedExit = true;
      await stopChild(child, 'SIGKILL', 0, this.sender(child));
      await this.groupEmpty(child, 0);
      this.guard?.close();
      await this.afterStop();
      this.child = undefined;
      throw this.startError(error);
    }
    serving = true;
    events.record(this.name, 'ready', `after ${Math.round(performance.now() - startedAt)} ms`);
  }

  /** The new child, with its output followed; throws when it could not be spawned. */
  private async spawned(): Promise<ChildProcess> {
    const child = this.spawnChild();
    // A spawn that fails (ENOENT, EAGAIN) emits 'error' and may never emit 'exit'.
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    this.child = child;
    this.expectedExit = false;
    if (child.pid !== undefined) this.guard?.guard(child.pid);
    this.tail.follow(child.stdout, (line) => this.onOutputLine(line));
    this.tail.follow(child.stderr);
    if (child.pid !== undefined) return child;
    const error = await spawnError;
    this.child = undefined;
    throw new RuntimeError(`${this.label}: cannot start: ${errorMessage(error)}`, this.logs());
  }

  private startError(error: unknown): unknown {
    if (!(error instanceof NotReadyError)) return error;
    const message =
      error.reason === 'died'
        ? `${this.label} exited (${error.lastProblem}) while starting on ${this.where}`
        : `${this.label} did not answer on ${this.where} within ${error.waitedMs} ms ` +
          `(last: ${error.lastProblem})`;
    return new RuntimeError(message, this.logs());
  }

  /** Graceful stop (SIGKILL after the grace); safe when it is already gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectedExit = true;
    const { events, stopSignal, stopGraceMs } = this.target;
    if (isRunning(child)) {
      events.record(this.name, 'stop', stopSignal);
      await stopChild(child, stopSignal, stopGraceMs, this.sender(child));
      await this.groupEmpty(child, stopGraceMs);
      events.record(this.name, 'exited', exitDetail(child));
    } else if (this.target.processGroup && child.pid !== undefined && groupAlive(child.pid)) {
      // The leader died on its own: what it started may still run.
      signalGroup(child.pid, stopSignal);
      await this.groupEmpty(child, stopGraceMs);
    }
    this.guard?.close();
    await this.afterStop();
    this.child = undefined;
  }

  async kill(onDown?: () => Promise<void> | void): Promise<void> {
    const child = this.requireChild();
    this.expectedExit = true;
    this.target.events.record(this.name, 'kill', 'SIGKILL');
    // Frozen first, so it forks nothing between the listing and the kill.
    const family = this.target.withChildren ? this.freeze(child) : [];
    this.sender(child)('SIGKILL');
    signalEach(family, 'SIGKILL');
    await waitForExit(child);
    await this.groupEmpty(child, 0);
    // A new server would find their shared memory still attached and refuse to start.
    await childrenGone(family);
    this.target.events.record(this.name, 'exited', exitDetail(child));
    await onDown?.();
    await this.startAgain();
  }

  async restart(onDown?: () => Promise<void> | void): Promise<void> {
    const child = this.requireChild();
    const { events, stopSignal, stopGraceMs, restartGraceMs, signal } = this.target;
    this.expectedExit = true;
    events.record(this.name, 'restart', stopSignal);
    await stopChild(child, stopSignal, restartGraceMs ?? stopGraceMs, this.sender(child));
    await this.groupEmpty(child, restartGraceMs ?? stopGraceMs);
    events.record(this.name, 'exited', exitDetail(child));
    await onDown?.();
    if (this.target.restartInNextSecond) await sleep(1000 - (Date.now() % 1000) + 10, signal);
    await this.startAgain();
  }

  /** After a kill or restart: never once the run was interrupted (cleanup stops the rest). */
  private async startAgain(): Promise<void> {
    if (this.target.signal?.aborted) {
      throw new InterruptedError(`${this.name}: not started again: the run was interrupted`);
    }
    await this.start();
  }

  /** SIGSTOP for at least `durationMs`; resumed whatever happens, at once on an interrupt. */
  async pause(durationMs: number): Promise<void> {
    const child = this.requireChild();
    const { events, signal } = this.target;
    const family = this.freeze(child);
    signalEach(family, 'SIGSTOP');
    const also = family.length ? ` (and ${family.length} child processes)` : '';
    events.record(this.name, 'paused', `SIGSTOP for ${durationMs} ms${also}`);
    try {
      await sleep(durationMs, signal);
    } finally {
      signalEach(family, 'SIGCONT');
      this.resume(child);
    }
    if (signal?.aborted) {
      throw new InterruptedError(`${this.name}: pause cut short: the run was interrupted`);
    }
  }

  /** SIGSTOP of the child; returns its children when they are to be signalled too. */
  private freeze(child: ChildProcess): number[] {
    this.sender(child)('SIGSTOP');
    return this.target.withChildren ? childPidsOf(child.pid!) : [];
  }

  /** SIGCONT; a child that cannot be resumed is killed rather than left stopped. */
  private resume(child: ChildProcess): void {
    const send = this.sender(child);
    const sent = send('SIGCONT');
    this.target.events.record(this.name, 'resumed', 'SIGCONT');
    if (sent || !isRunning(child)) return;
    send('SIGKILL');
    throw new RuntimeError(`${this.name}: SIGCONT failed, killed it`, this.logs());
  }

  /** The child alone, or its whole process group. */
  private sender(child: ChildProcess): Signaller {
    const pid = child.pid;
    if (!this.target.processGroup || pid === undefined) return (signal) => child.kill(signal);
    return (signal) => signalGroup(pid, signal);
  }

  /** Process group mode: returns once nothing of the group runs (SIGKILL after `graceMs`). */
  private async groupEmpty(child: ChildProcess, graceMs: number): Promise<void> {
    if (!this.target.processGroup || child.pid === undefined) return;
    if (await groupGone(child.pid, graceMs)) return this.guard?.release(child.pid);
    throw new RuntimeError(
      `${this.label}: processes of group ${child.pid} did not exit after SIGKILL`,
      this.logs(),
    );
  }

  private requireChild(): ChildProcess {
    const child = this.child;
    if (!child || !isRunning(child)) {
      throw new RuntimeError(`${this.name} is not running`, this.logs());
    }
    return child;
  }
}

async function childrenGone(pids: number[]): Promise<void> {
  const deadline = performance.now() + CHILDREN_EXIT_MS;
  while (pids.some(isAlive)) {
    if (performance.now() > deadline) {
      throw new RuntimeError(
        `children ${pids.filter(isAlive).join(', ')} did not exit after SIGKILL`,
      );
    }
    await sleep(20);
  }
}
