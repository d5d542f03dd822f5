import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { RuntimeError } from '../errors.js';
import { ChildTarget, type Readiness } from '../lifecycle/childTarget.js';
import { sleep } from '../lifecycle/sleep.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { checkHealth } from './healthCheck.js';
import type { RunningApp } from './runningApp.js';

/** A user's app may compile or warm a JIT first. */
const START_TIMEOUT_MS = 30_000;
const HEALTH_ATTEMPT_MS = 2_000;
const HEALTH_POLL_MS = 100;
/** How long the "is the port taken" check waits for an answer of any kind. */
const CONNECT_CHECK_MS = 5_000;
/** How long a port may take to close after the app on it was killed, and how often it is asked. */
const PORT_RELEASE_MS = 2_000;
const PORT_RELEASE_POLL_MS = 50;
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

  /**
   * Refuses to start over another program on the port: its /health would pass for ours.
   * The port is asked again for PORT_RELEASE_MS first: the kernel may still accept on the
   * listener of our own app killed a moment ago after /proc shows its group gone (4 of
   * 30 kills in a loop here accepted one more connection at once, none a moment later).
   */
  override async start(): Promise<void> {
    const deadlineMs = performance.now() + PORT_RELEASE_MS;
    while (await answersOn(this.options.host, this.options.port)) {
      if (performance.now() >= deadlineMs) {
        throw new RuntimeError(
          `${this.label}: something already listens on ${this.url}; stop it, or drop ` +
            '--app-command to drive the app that runs there',
        );
      }
      await sleep(PORT_RELEASE_POLL_MS);
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

/**
 * True when a TCP connection to host:port is accepted. Only an accepted connection
 * counts: on loopback a port nobody listens on refuses at once. (A 1 s timeout used to
 * count as "listening": after an event-loop stall Node runs due timers before queued
 * I/O, so a refusal could be read as a taken port. A full test run once refused to
 * restart the user's app after kill:app with that message; the cause is not proven.)
 */
function answersOn(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(CONNECT_CHECK_MS);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
