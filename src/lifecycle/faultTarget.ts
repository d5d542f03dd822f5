/**
 * Thrown by a target that cannot take a fault here (an external server: nobody to
 * restart it). The fault is reported as skipped with this reason, not as failed.
 */
export class SkippedFault extends Error {
  override readonly name = 'SkippedFault';
}

/**
 * Anything a fault can hit: the app, or one backend node (from any provider).
 * Each call returns once the target serves again (or, for pause, once it is resumed).
 */
export interface FaultTarget {
  readonly name: string;
  /**
   * SIGKILL (or docker kill), then start again on the same port and data.
   * `onDown` is called (and awaited) the moment the target is gone, before it
   * starts again: the fault runner counts users there, and keeps a node down for
   * a while when the fault has a duration.
   */
  kill(onDown?: () => Promise<void> | void): Promise<void>;
  /** Graceful stop through the server's own shutdown path, then start again. */
  restart(onDown?: () => Promise<void> | void): Promise<void>;
  /** Freeze for `durationMs` (SIGSTOP / docker pause), then resume. */
  pause(durationMs: number): Promise<void>;
}

/**
 * kill, restart and pause of a target nobody here may act on (a server or an app
 * someone else runs): each rejects with a SkippedFault saying why, by action.
 */
export abstract class UntouchableTarget implements FaultTarget {
  abstract readonly name: string;
  /** "app0 is your app at …: give --app-command so it can kill it". */
  protected abstract whyNot(action: 'kill' | 'restart' | 'pause'): string;

  kill(): Promise<void> {
    return Promise.reject(new SkippedFault(this.whyNot('kill')));
  }

  restart(): Promise<void> {
    return Promise.reject(new SkippedFault(this.whyNot('restart')));
  }

  pause(): Promise<void> {
    return Promise.reject(new SkippedFault(this.whyNot('pause')));
  }
}

/**
 * The roles of a replicated or clustered store (`primary`, `replica<i>`), asked when a
 * fault fires: after a failover the primary is another node. Any topology (Redis
 * Sentinel or Cluster, MariaDB replication, Galera) answers with member names.
 */
export interface Roles {
  /** Which member holds `role` now (node1, ...); undefined when none does (or none answers). */
  resolveRole(role: string): Promise<string | undefined>;
  /** Every node's role now (`primary`, `replica`, `down`), for the timeline's role events. */
  roleMap(): Promise<Record<string, string>>;
  /**
   * From now on, writes a probe key the way the store does (same client kind, every
   * PROBE_INTERVAL_MS) to the data `formerPrimary` held, until one is acknowledged;
   * resolves with the primary that acknowledged it. Rejects once `signal` aborts.
   */
  firstAcknowledgedWrite(formerPrimary: string, signal: AbortSignal): Promise<string>;
}

/** Role targets: `primary`, `replica<i>`. */
export const ROLE_TARGET = /^(primary|replica\d+)$/;
