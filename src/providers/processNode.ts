import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ChildTarget, type Readiness } from '../lifecycle/childTarget.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { processStartTime } from '../lifecycle/runOwner.js';
import { shellQuote } from '../lifecycle/shellQuote.js';
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
  /** See ServerSpec.forks: kill and pause reach the server's children too. */
  withChildren?: boolean;
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
export class ProcessNode extends ChildTarget implements StartedNode {
  readonly endpoint: string;

  constructor(private readonly options: ProcessNodeOptions) {
    super({
      name: options.name,
      events: options.events,
      stopSignal: options.stopSignal,
      stopGraceMs: STOP_GRACE_MS,
      restartInNextSecond: options.restartInNextSecond,
      withChildren: options.withChildren,
      signal: options.signal,
      logLines: 60,
    });
    this.endpoint = `127.0.0.1:${options.port}`;
  }

  /** The server's command line, without the wrapper. */
  get commandLine(): string {
    return shellQuote([this.options.binary, ...this.options.args]);
  }

  get pidFile(): string {
    return path.join(this.options.nodeDir, PID_FILE_NAME);
  }

  protected get label(): string {
    return `${this.name}: ${path.basename(this.options.binary)}`;
  }

  protected get where(): string {
    return this.endpoint;
  }

  protected spawnChild(): ChildProcess {
    const { binary, args, wrapper } = this.options;
    const [command, ...prefix] = wrapper.length ? wrapper : [binary];
    return spawn(command!, wrapper.length ? [...prefix, binary, ...args] : args, {
      // Its own process group: a Ctrl-C in the terminal reaches session-bench, which
      // stops the servers in order, instead of every server at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  protected readiness(): Readiness {
    return {
      probe: this.options.ready,
      intervalMs: READY_POLL_MS,
      attemptTimeoutMs: READY_ATTEMPT_MS,
      deadlineMs: this.options.startTimeoutMs,
    };
  }

  protected override async afterSpawn(pid: number): Promise<void> {
    const record: PidFile = {
      pid,
      binary: this.options.binary,
      port: this.options.port,
      startTime: processStartTime(pid),
      owner: { pid: process.pid, startTime: processStartTime(process.pid) },
    };
    await writeFile(this.pidFile, `${JSON.stringify(record)}\n`);
  }

  protected override async afterStop(): Promise<void> {
    await rm(this.pidFile, { force: true });
  }
}
