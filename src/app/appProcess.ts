import { spawn, type ChildProcess } from 'node:child_process';
import { errorMessage } from '../errors.js';
import { ChildTarget, type Readiness } from '../lifecycle/childTarget.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { nodeArgsFor, siblingModule } from '../paths.js';
import { APP_CONFIG_ENV, READY_LINE, type AppConfig } from './appConfig.js';
import type { AppLinks } from './appLinks.js';

const START_TIMEOUT_MS = 15_000;
/** Its SIGTERM handler closes idle sockets at once and every socket after 5 s. */
const STOP_GRACE_MS = 5_000;
const RESTART_GRACE_MS = 10_000;
const MAIN_MODULE = siblingModule(import.meta.url, 'main');

/**
 * The app under test as a child process on a fixed 127.0.0.1 port, so that a kill
 * and start brings it back where the load generator keeps sending.
 */
export class AppProcess extends ChildTarget {
  /** Resolves when the current child printed READY_LINE. */
  private readyLine: Promise<void> = Promise.resolve();
  private onReadyLine: () => void = () => {};

  constructor(
    name: string,
    private readonly config: AppConfig,
    private readonly events: EventLog,
    /** The run's signal: once it aborts the app is not started again. */
    signal?: AbortSignal,
    /** The fault proxy's links, when they run in this app (its store connects through them). */
    readonly links?: AppLinks,
  ) {
    super({
      name,
      events,
      stopSignal: 'SIGTERM',
      stopGraceMs: STOP_GRACE_MS,
      restartGraceMs: RESTART_GRACE_MS,
      signal,
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }

  logTail(): string[] {
    return this.logs();
  }

  protected get label(): string {
    return `app ${this.name}`;
  }

  protected get where(): string {
    return this.url;
  }

  protected spawnChild(): ChildProcess {
    this.readyLine = new Promise((resolve) => (this.onReadyLine = resolve));
    const config = this.links
      ? { ...this.config, proxyLinks: this.links.specsForStart() }
      : this.config;
    // The IPC channel lets the app notice when session-bench dies and exit with it; it
    // also carries the commands to its proxy links.
    const child = spawn(process.execPath, nodeArgsFor(MAIN_MODULE), {
      env: { ...process.env, [APP_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.links?.attach(child);
    return child;
  }

  protected override onOutputLine(line: string): void {
    if (!line.startsWith(READY_LINE)) return;
    this.onReadyLine();
    this.deliverToLinks();
  }

  /** A paused app cannot answer its links' commands: they are kept and sent on SIGCONT. */
  override async pause(durationMs: number): Promise<void> {
    this.links?.hold();
    try {
      await super.pause(durationMs);
    } finally {
      this.deliverToLinks();
    }
  }

  /** A toxic set or cleared while the app could not answer is sent now; a failure is logged. */
  private deliverToLinks(): void {
    this.links
      ?.deliver()
      .catch((error: unknown) =>
        this.events.record(this.name, 'proxy links not updated', errorMessage(error)),
      );
  }

  /** One attempt as long as the whole start: the app says when it listens. */
  protected readiness(): Readiness {
    return {
      probe: () => this.readyLine,
      intervalMs: 0,
      attemptTimeoutMs: START_TIMEOUT_MS,
      deadlineMs: START_TIMEOUT_MS,
    };
  }
}
