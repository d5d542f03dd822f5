import { RuntimeError } from '../errors.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { UntouchableTarget } from '../lifecycle/faultTarget.js';
import { NotReadyError, waitReady } from '../lifecycle/waitReady.js';
import { checkHealth } from './healthCheck.js';
import type { RunningApp } from './runningApp.js';

const HEALTH_DEADLINE_MS = 10_000;
const HEALTH_ATTEMPT_MS = 2_000;
const HEALTH_POLL_MS = 200;

/**
 * The user's own app given by `--app-url` alone: it runs already, session-bench only
 * talks to it. Nobody here can kill, restart or pause it: app faults are skipped
 * with the reason (never counted as a fault that did nothing).
 */
export class AttachedApp extends UntouchableTarget implements RunningApp {
  constructor(
    readonly name: string,
    readonly url: string,
    private readonly events: EventLog,
  ) {
    super();
  }

  /** Resolves once GET /health answers 200; a wrong URL fails the variant here. */
  async check(signal?: AbortSignal): Promise<void> {
    try {
      await waitReady({
        what: `your app at ${this.url}`,
        probe: () => checkHealth(this.url, HEALTH_ATTEMPT_MS),
        intervalMs: HEALTH_POLL_MS,
        attemptTimeoutMs: HEALTH_ATTEMPT_MS,
        deadlineMs: HEALTH_DEADLINE_MS,
        signal,
      });
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      throw new RuntimeError(
        `your app at ${this.url} does not answer GET /health with 200 (${error.lastProblem}); ` +
          'start it first, or give --app-command so session-bench starts it',
      );
    }
    this.events.record(this.name, 'ready', `your app at ${this.url} (not started here)`);
  }

  logTail(): string[] {
    return [];
  }

  async stop(): Promise<void> {}

  protected whyNot(action: string): string {
    return (
      `${this.name} is your app at ${this.url}, not started by session-bench: ` +
      `give --app-command so it can ${action} it`
    );
  }
}
