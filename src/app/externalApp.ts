import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { RuntimeError } from '../errors.js';
import { ChildTarget, type Readiness } from '../lifecycle/childTarget.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { checkHealth } from './healthCheck.js';
import type { RunningApp } from './runningApp.js';

/** A user's app may compile or warm a JIT first. */
const START_TIMEOUT_MS = 30_000;
const HEALTH_ATTEMPT_MS = 2_000;
const HEALTH_POLL_MS = 100;
/** A graceful stop (SIGTERM to the group) may take this long before SIGKILL. */
const STOP_GRACE_MS = 10_000;

export interface ExternalAppOptions {
  url: string;
  host: string;
  port: number;
  /** Run by /bin/sh -c, as the user typed it. */
  command: string;
  /** Added to session-bench's environment (externalAppEnv). */
  env: Record<string, string>;
}

/**
 * The user's own app, started by `--app-command` through /bin/sh -c in a process
 * group of its own: stop, kill and pause reach the shell and everything it started
 * (ChildTarget's processGroup mode), and it is ready once GET /health answers 200.
 */
export class ExternalApp extends ChildTarget implements RunningApp {
  constructor(
    name: string,
    private readonly options: ExternalAppOptions,
    events: EventLog,
    /** The run's signal: once it aborts the app is not started again. */
    signal?: AbortSignal,
  ) {
    super({
      name,
      events,
      stopSignal: 'SIGTERM',
      stopGraceMs: STOP_GRACE_MS,
      signal,
      processGroup: true,
    });
  }

  get url(): string {
    return this.options.url;
  }

  logTail(): string[] {
    return this.logs();
  }

  /** Refuses to start over another program on the port: its /health would pass for ours. */
  override async start(): Promise<void> {
    if (await answersOn(this.options.host, this.options.port)) {
      throw new RuntimeError(
        `${this.label}: something already listens on ${this.url}; stop it, or drop ` +
          '--app-command to drive the app that runs there',
      );
    }
    await super.start();
  }

  protected get label(): string {
    return `${this.name} (your app: ${this.options.command})`;
  }

  protected get where(): string {
    return this.url;
  }

  protected spawnChild(): ChildProcess {
    // Its own process group: Ctrl-C reaches session-bench, which stops the app in order.
    return spawn('/bin/sh', ['-c', this.options.command], {
      detached: true,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  protected readiness(): Readiness {
    return {
      probe: () => checkHealth(this.url, HEALTH_ATTEMPT_MS),
      intervalMs: HEALTH_POLL_MS,
      attemptTimeoutMs: HEALTH_ATTEMPT_MS,
      deadlineMs: START_TIMEOUT_MS,
    };
  }
}

/** True when a TCP connection to host:port is accepted. */
function answersOn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
