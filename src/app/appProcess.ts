import { spawn, type ChildProcess } from 'node:child_process';
import { RuntimeError } from '../errors.js';
import type { FaultTarget } from '../lifecycle/faultTarget.js';
import { stopChild, waitForExit } from '../lifecycle/childProcess.js';
import { sleep } from '../lifecycle/sleep.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { LogTail } from '../lifecycle/logTail.js';
import { nodeArgsFor } from '../paths.js';
import { APP_CONFIG_ENV, READY_LINE, type AppConfig } from './appConfig.js';

const START_TIMEOUT_MS = 15_000;
const MAIN_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './main.ts' : './main.js',
  import.meta.url,
);

/**
 * The app under test as a child process on a fixed 127.0.0.1 port, so that a kill
 * and start brings it back where the load generator keeps sending.
 */
export class AppProcess implements FaultTarget {
  private child: ChildProcess | undefined;
  private readonly logs = new LogTail();

  constructor(
    readonly name: string,
    private readonly config: AppConfig,
    private readonly events: EventLog,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  logTail(): string[] {
    return this.logs.tail();
  }

  async start(): Promise<void> {
    const old = this.child;
    if (old && old.exitCode === null && old.signalCode === null) {
      throw new RuntimeError(`app ${this.name} is already running (pid ${old.pid})`);
    }
    // The IPC channel lets the app notice when session-bench dies and exit with it.
    const child = spawn(process.execPath, nodeArgsFor(MAIN_MODULE), {
      env: { ...process.env, [APP_CONFIG_ENV]: JSON.stringify(this.config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.events.record(this.name, 'start', `pid ${child.pid}`);
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    this.logs.follow(child.stdout, (line) => line.startsWith(READY_LINE) && onReady());
    this.logs.follow(child.stderr);
    // A spawn that fails (EAGAIN, ENOMEM) emits 'error' and may never emit 'exit'.
    const spawnFailed = new Promise<'spawn failed'>((resolve) =>
      child.once('error', (error) => {
        this.logs.push(`spawn failed: ${error.message}`);
        resolve('spawn failed');
      }),
    );
    const exited = waitForExit(child).then(() => 'exited' as const);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS);
    });
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      exited,
      timedOut,
      spawnFailed,
    ]);
    clearTimeout(timer);
    if (outcome !== 'ready') {
      await stopChild(child, 'SIGKILL', 0);
      const why =
        outcome === 'exited'
          ? `exited with code ${child.exitCode}`
          : outcome === 'spawn failed'
            ? 'could not be started'
            : 'did not become ready';
      throw new RuntimeError(
        `app ${this.name} ${why} within ${START_TIMEOUT_MS} ms`,
        this.logTail(),
      );
    }
    this.events.record(this.name, 'ready');
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.events.record(this.name, 'stop');
    await stopChild(this.child, 'SIGTERM', 5_000);
    this.child = undefined;
  }

  async kill(onDown?: () => Promise<void> | void): Promise<void> {
    const child = this.requireChild();
    this.events.record(this.name, 'kill');
    child.kill('SIGKILL');
    await waitForExit(child);
    this.events.record(this.name, 'exited', 'SIGKILL');
    await onDown?.();
    await this.start();
  }

  async restart(onDown?: () => Promise<void> | void): Promise<void> {
    const child = this.requireChild();
    this.events.record(this.name, 'restart');
    await stopChild(child, 'SIGTERM', 10_000);
    this.events.record(this.name, 'exited', `code ${child.exitCode}`);
    await onDown?.();
    await this.start();
  }

  async pause(durationMs: number): Promise<void> {
    const child = this.requireChild();
    child.kill('SIGSTOP');
    this.events.record(this.name, 'paused');
    await sleep(durationMs);
    child.kill('SIGCONT');
    this.events.record(this.name, 'resumed');
  }

  private requireChild(): ChildProcess {
    if (!this.child) throw new RuntimeError(`app ${this.name} is not running`);
    return this.child;
  }
}
