import type { FaultTarget } from '../lifecycle/faultTarget.js';

/**
 * An app under test as the runner sees it, whoever runs it: ours (AppProcess), the
 * user's started by session-bench (ExternalApp), or the user's already running
 * (AttachedApp). The load talks to `url`; faults act on it as a FaultTarget.
 */
export interface RunningApp extends FaultTarget {
  /** Scheme, host and port on this machine's loopback. */
  readonly url: string;
  /** The last lines it printed, for a failed variant's reason (none when not ours to follow). */
  logTail(): string[];
  /** Stops it if session-bench started it; safe when it is already gone. */
  stop(): Promise<void>;
}
