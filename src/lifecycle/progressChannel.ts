/**
 * What a run tells a person while it works, as events: the engine (runner, load,
 * providers) emits, listeners print (autocannon's run.js emits, progressTracker.js
 * listens). Nothing here writes anywhere; with no listener (--quiet) nothing shows.
 */

/** Figures of the load at one moment, as plain values (never live objects). */
export interface LoadFigures {
  variant: string;
  /** "2/4" when the plan names its variants. */
  position?: string;
  elapsedMs: number;
  totalMs: number;
  /** Requests finished so far (answered or failed). */
  requests: number;
  errors: number;
  p99Us: number;
  loggedOutUsers: number;
  nextFault?: { action: string; target: string; atMs: number };
}

export type ProgressEvent =
  /** A variant moved to a new phase: "starting the app", "final sweep"... */
  | { type: 'phase'; variant: string; text: string }
  /** Emitted a few times a second during the load. */
  | ({ type: 'loadTick' } & LoadFigures)
  /** The load phase ended (also when it failed): its last figures. */
  | ({ type: 'loadEnded' } & LoadFigures)
  /** An image pull changed state (docker provider): one event per layer state change. */
  | { type: 'pull'; image: string; layer?: string; status: string };

export type ProgressListener = (event: ProgressEvent) => void;

export class ProgressChannel {
  private readonly listeners = new Set<ProgressListener>();

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ProgressEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  phase(variant: string, text: string): void {
    this.emit({ type: 'phase', variant, text });
  }
}
