import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { InterruptedError, RuntimeError } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { LogTail } from '../lifecycle/logTail.js';
import { NotReadyError, waitReady } from '../lifecycle/waitReady.js';
import { containerLogTail } from './docker/logs.js';
import { containerUsage } from './docker/stats.js';
import type { Metered, ResourceReading } from '../lifecycle/resourceUsage.js';
import { removeOwned, type Owned } from './docker/owned.js';
import type { StartedNode } from './provider.js';

const READY_ATTEMPT_MS = 5_000;
const READY_POLL_MS = 150;

export interface DockerNodeOptions {
  /** node0, node1, ... */
  name: string;
  docker: Docker;
  /** The server's container. */
  container: Docker.Container;
  /** Everything the node owns, its container included, removed by stop(). */
  owned: Owned;
  /** The port the server listens on inside the container (host networking: on the host). */
  containerPort: number;
  /** Bridge networking: the published host port; host networking: undefined. */
  hostPort?: number;
  ready: (endpoint: string) => Promise<void>;
  events: EventLog;
  signal: AbortSignal;
  startTimeoutMs: number;
  /** Seconds `docker stop` waits for the graceful shutdown before SIGKILL. */
  stopGraceS: number;
  /** See ServerSpec.restartInNextSecond (memcached's warm restart). */
  restartInNextSecond?: boolean;
}

/**
 * One server node in its own container. Faults go through the Docker API: kill
 * (SIGKILL) and restart (stop with the spec's signal) both start the same container
 * again, so its volume and data stay; pause is docker pause/unpause.
 */
export class DockerNode implements StartedNode, Metered {
  readonly name: string;
  readonly usageSource = 'docker' as const;
  private port: number;
  private readonly tail = new LogTail(60);
  private removed = false;
  /** Ready and not being stopped by us: an exit now is a death nobody asked for. */
  private serving = false;

  constructor(private readonly o: DockerNodeOptions) {
    this.name = o.name;
    this.port = o.hostPort ?? o.containerPort;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  get containerId(): string {
    return this.o.container.id;
  }

  logs(): string[] {
    return this.tail.tail();
  }

  /** The Docker stats API's counters; undefined while the container does not run. */
  async usage(): Promise<ResourceReading | undefined> {
    if (this.removed || !this.serving) return undefined;
    return containerUsage(this.o.container).catch(() => undefined);
  }

  /** Starts the container and resolves once the spec's protocol round trip succeeds. */
  async start(): Promise<void> {
    const { container, events } = this.o;
    if (this.o.signal.aborted) {
      throw new InterruptedError(`${this.name}: not started: the run was interrupted`);
    }
    await this.followOutput();
    await container.start();
    events.record(this.name, 'start', `container ${container.id.slice(0, 12)}`);
    await this.readPortMapping();
    await this.waitReady();
    events.record(this.name, 'ready', this.endpoint);
    this.serving = true;
  }

  async kill(onDown?: () => Promise<void> | void): Promise<void> {
    const { container, events } = this.o;
    this.serving = false;
    events.record(this.name, 'kill');
    await container.kill({ signal: 'SIGKILL' });
    const exit = (await container.wait({ condition: 'not-running' })) as { StatusCode: number };
    events.record(this.name, 'exited', `SIGKILL (exit ${exit.StatusCode})`);
    await onDown?.();
    await this.startAgain();
  }

  async restart(onDown?: () => Promise<void> | void): Promise<void> {
    const { container, events } = this.o;
    this.serving = false;
    events.record(this.name, 'restart');
    // docker stop sends the container's StopSignal (the spec's), SIGKILL after the grace.
    await container.stop({ t: this.o.stopGraceS });
    const state = (await container.inspect()).State;
    events.record(this.name, 'exited', `code ${state.ExitCode}`);
    await onDown?.();
    // As the process provider does: memcached discards its memory file when started
    // again within the second its metadata says it stopped (everyone logged out).
    if (this.o.restartInNextSecond) await sleep(1000 - (Date.now() % 1000) + 10, this.o.signal);
    await this.startAgain();
  }

  /** After a kill or restart: never once the run was interrupted (cleanup removes it). */
  private async startAgain(): Promise<void> {
    if (this.o.signal.aborted) {
      throw new InterruptedError(`${this.name}: not started again: the run was interrupted`);
    }
    await this.start();
  }

  /** docker pause for at least `durationMs`; unpaused whatever happens, at once on an interrupt. */
  async pause(durationMs: number): Promise<void> {
    const { container, events, signal } = this.o;
    await container.pause();
    events.record(this.name, 'paused');
    try {
      await sleep(durationMs, signal);
    } finally {
      await container.unpause();
      events.record(this.name, 'resumed');
    }
    if (signal.aborted) {
      throw new InterruptedError(`${this.name}: pause cut short: the run was interrupted`);
    }
  }

  /** Removes the container, its helpers and volumes; safe to call twice. */
  async stop(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    this.serving = false;
    this.o.events.record(this.name, 'stop');
    await removeOwned(this.o.docker, this.o.owned);
  }

  /** Attached before each start, so every line of this run is seen once. */
  private async followOutput(): Promise<void> {
    const { docker, container } = this.o;
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    docker.modem.demuxStream(stream, out, err);
    stream.on('end', () => {
      out.end();
      err.end();
      void this.noticeExit();
    });
    stream.on('error', () => {
      out.end();
      err.end();
    });
    this.tail.follow(out);
    this.tail.follow(err);
  }

  /** The attached stream ends when the container stops: a 'died' event unless we stopped it. */
  private async noticeExit(): Promise<void> {
    if (!this.serving) return;
    this.serving = false;
    const state = await this.o.container.inspect().then(
      (info) => info.State,
      () => undefined,
    );
    if (state && !state.Running) this.o.events.record(this.name, 'died', `code ${state.ExitCode}`);
  }

  /**
   * The published port, as the daemon says now. Ports are pinned at create, so a
   * restart keeps them; if the daemon ever moved one, the new one is used and noted.
   */
  private async readPortMapping(): Promise<void> {
    if (this.o.hostPort === undefined) return;
    const info = await this.o.container.inspect();
    const bindings = info.NetworkSettings.Ports?.[`${this.o.containerPort}/tcp`] ?? [];
    const published = bindings.find((b) => b.HostIp === '127.0.0.1') ?? bindings[0];
    const port = Number(published?.HostPort);
    if (!port) {
      throw new RuntimeError(
        `${this.name}: container port ${this.o.containerPort} is not published`,
        await this.logTail(),
      );
    }
    if (port !== this.port) {
      this.o.events.record(this.name, 'port-changed', `${this.port} -> ${port}`);
      this.port = port;
    }
  }

  private async waitReady(): Promise<void> {
    const { container, signal, startTimeoutMs } = this.o;
    try {
      await waitReady({
        what: this.name,
        // Bounded: a round trip that never settles (docker-proxy accepts, then closes
        // while the server is not up yet) must not stall the start.
        probe: () => this.o.ready(this.endpoint),
        alive: async () => {
          const state = (await container.inspect()).State;
          if (state.Running) return undefined;
          return `with code ${state.ExitCode}` + (state.Error ? ` (${state.Error})` : '');
        },
        intervalMs: READY_POLL_MS,
        attemptTimeoutMs: READY_ATTEMPT_MS,
        deadlineMs: startTimeoutMs,
        signal,
      });
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      const message =
        error.reason === 'died'
          ? `${this.name}: container exited ${error.lastProblem} before it answered`
          : `${this.name}: not ready within ${startTimeoutMs} ms (last attempt: ${error.lastProblem})`;
      throw new RuntimeError(message, await this.logTail());
    }
  }

  /** What the attached stream saw, or else the daemon's stored logs. */
  async logTail(): Promise<string[]> {
    const seen = this.tail.tail();
    return seen.length ? seen : containerLogTail(this.o.container);
  }
}
