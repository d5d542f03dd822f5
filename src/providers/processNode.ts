import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RuntimeError, errorMessage } from '../errors.js';
import { stopChild, waitForExit } from '../lifecycle/childProcess.js';
import { sleep } from '../lifecycle/sleep.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { LogTail } from '../lifecycle/logTail.js';
import { processStartTime } from '../lifecycle/runOwner.js';
import { shellQuote } from '../lifecycle/shellQuote.js';
import { withTimeout } from '../lifecycle/withTimeout.js';
import type { StartedNode } from './provider.js';

/** What `session-bench clean` needs to find and safely kill a server a crash left behind. */
export interface PidFile {
  pid: number;
  /** Absolute path of the server binary; /proc/<pid>/cmdline must still name it. */
  binary: string;
  port: number;
  /** Clock ticks since boot (/proc/<pid>/stat field 22): tells a reused pid apart. */
  startTime?: number;
  /** The session-bench process that started the server. */
  owner: { pid: number; startTime?: number };
}

export const PID_FILE_NAME = 'server.pid.json';

export interface ProcessNodeOptions {
  /** node0, node1, ...: the fault target name. */
  name: string;
  binary: string;
  args: string[];
  port: number;
  /** Command and arguments put before the binary (e.g. setpriv --pdeathsig SIGKILL --). */
  wrapper: string[];
  /** Where the pid file goes. */
  nodeDir: string;
  /** A protocol round trip; throws until the server answers. */
  ready: () => Promise<void>;
  stopSignal: NodeJS.Signals;
  startTimeoutMs: number;
  /** See ServerSpec.restartInNextSecond. */
  restartInNextSecond: boolean;
  events: EventLog;
  /** Ctrl-C: stop waiting for a server that is still starting. */
  signal?: AbortSignal;
}

const READY_POLL_MS = 50;
/** One readiness attempt may not take longer than this (a paused or half-up server). */
const READY_ATTEMPT_MS = 2_000;
/** A graceful stop gets this long (MariaDB flushes its buffer pool) before SIGKILL. */
const STOP_GRACE_MS = 30_000;

/**
 * One server process on a fixed 127.0.0.1 port and data dir, so that a kill or a
 * restart brings it back where the clients keep connecting.
 */
export class ProcessNode implements StartedNode {
  readonly name: string;
  readonly endpoint: string;
  private child: ChildProcess | undefined;
  private readonly tail = new LogTail(60);
  /** Exits we caused (stop, kill, restart) are not reported as crashes. */
  private expectedExit = false;

  constructor(private readonly options: ProcessNodeOptions) {
    this.name = options.name;
    this.endpoint = `127.0.0.1:${options.port}`;
  }

  /** The server's command line, without the wrapper. */
  get commandLine(): string {
    return shellQuote([this.options.binary, ...this.options.args]);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get pidFile(): string {
    return path.join(this.options.nodeDir, PID_FILE_NAME);
  }

  logs(): string[] {
    return this.tail.tail();
  }

  async start(): Promise<void> {
    const { binary, args, wrapper, events } = this.options;
    const [command, ...prefix] = wrapper.length ? wrapper : [binary];
    const child = spawn(command!, wrapper.length ? [...prefix, binary, ...args] : args, {
      // Its own process group: a Ctrl-C in the terminal reaches session-bench, which
      // stops the servers in order, instead of every server at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    this.child = child;
    this.expectedExit = false;
    this.tail.follow(child.stdout);
    this.tail.follow(child.stderr);
    if (child.pid === undefined) {
      const error = await spawnError;
      this.child = undefined;
      throw new RuntimeError(`${this.name}: cannot start ${binary}: ${errorMessage(error)}`);
    }
    events.record(this.name, 'start', `pid ${child.pid} on ${this.endpoint}`);
    const exited = waitForExit(child);
    child.once('exit', (code, signal) => {
      if (!this.expectedExit) {
        events.record(this.name, 'exited', `unexpectedly: ${signal ?? `code ${code}`}`);
      }
    });
    const startedAt = performance.now();
    // From here the server runs: whatever fails stops it here, since nobody else
    // stops a node whose start threw.
    try {
      await this.writePidFile(child.pid);
      await this.waitUntilReady(child, exited, startedAt);
    } catch (error) {
      this.expectedExit = true;
      await stopChild(child, 'SIGKILL', 0);
      await this.removePidFile();
      this.child = undefined;
      throw error;
    }
    events.record(this.name, 'ready', `after ${Math.round(performance.now() - startedAt)} ms`);
  }

  private async waitUntilReady(
    child: ChildProcess,
    exited: Promise<void>,
    startedAt: number,
  ): Promise<void> {
    const { startTimeoutMs, binary } = this.options;
    let lastProblem = 'no answer yet';
    let gone = false;
    void exited.then(() => (gone = true));
    for (;;) {
      if (gone) {
        const how = child.signalCode ?? `code ${child.exitCode}`;
        throw new RuntimeError(
          `${this.name}: ${path.basename(binary)} exited (${how}) while starting on ${this.endpoint}`,
          this.logs(),
        );
      }
      // withTimeout clears its timer: a finished run does not wait 2 s for it.
      const attempt = await Promise.race([
        withTimeout(this.options.ready(), READY_ATTEMPT_MS, 'readiness check').then(
          () => undefined,
          (error: unknown) => errorMessage(error),
        ),
        exited.then(() => 'exited'),
      ]);
      if (attempt === undefined && !gone) return;
      if (attempt !== undefined) lastProblem = attempt;
      if (this.options.signal?.aborted) {
        throw new RuntimeError(
          `${this.name}: interrupted while ${path.basename(binary)} was starting`,
        );
      }
      if (performance.now() - startedAt > startTimeoutMs) {
        throw new RuntimeError(
          `${this.name}: ${path.basename(binary)} did not answer on ${this.endpoint} within ` +
            `${startTimeoutMs} ms (last: ${lastProblem})`,
          this.logs(),
        );
      }
      await sleep(READY_POLL_MS);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectedExit = true;
    this.options.events.record(this.name, 'stop', this.options.stopSignal);
    await stopChild(child, this.options.stopSignal, STOP_GRACE_MS);
    this.options.events.record(this.name, 'exited', exitDetail(child));
    await this.removePidFile();
    this.child = undefined;
  }

  async kill(onDown?: () => Promise<void> | void): Promise<void> {
    const child = this.requireChild();
    this.expectedExit = true;
    this.options.events.record(this.name, 'kill', 'SIGKILL');
    child.kill('SIGKILL');
    await waitForExit(child);
    this.options.events.record(this.name, 'exited', exitDetail(child));
    await onDown?.();
    await this.start();
  }

  async restart(onDown?: () => Promise<void> | void): Promise<void> {
    const child = this.requireChild();
    this.expectedExit = true;
    this.options.events.record(this.name, 'restart', this.options.stopSignal);
    await stopChild(child, this.options.stopSignal, STOP_GRACE_MS);
    this.options.events.record(this.name, 'exited', exitDetail(child));
    await onDown?.();
    if (this.options.restartInNextSecond) await sleep(1000 - (Date.now() % 1000) + 10);
    await this.start();
  }

  async pause(durationMs: number): Promise<void> {
    const child = this.requireChild();
    child.kill('SIGSTOP');
    this.options.events.record(this.name, 'paused', `SIGSTOP for ${durationMs} ms`);
    try {
      await sleep(durationMs);
    } finally {
      child.kill('SIGCONT');
      this.options.events.record(this.name, 'resumed', 'SIGCONT');
    }
  }

  private requireChild(): ChildProcess {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      throw new RuntimeError(`${this.name} is not running`, this.logs());
    }
    return child;
  }

  private async writePidFile(pid: number): Promise<void> {
    const record: PidFile = {
      pid,
      binary: this.options.binary,
      port: this.options.port,
      startTime: processStartTime(pid),
      owner: { pid: process.pid, startTime: processStartTime(process.pid) },
    };
    await writeFile(this.pidFile, `${JSON.stringify(record)}\n`);
  }

  private async removePidFile(): Promise<void> {
    await rm(this.pidFile, { force: true });
  }
}

function exitDetail(child: ChildProcess): string {
  return child.signalCode ?? `code ${child.exitCode}`;
}
