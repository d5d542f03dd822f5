import type { LoadPlan } from '../config/planSchema.js';
import type { AppClient, Reply } from './appClient.js';
import { peakRateRps } from './arrivals.js';
import type { Sockets } from './connectionPool.js';
import type { Ledger } from './ledger.js';
import type { Measurements } from './measurements.js';
import { FailureKind, type Outcome } from './requestLog.js';
import type { Action, Step, Workload } from './workload.js';

/**
 * Judges one answer (or failure) against the ledger and says how it counts. The
 * audit implements it; the load only calls it, so load does not depend on audit.
 */
export interface AnswerCheck {
  /**
   * A request is about to be sent: returns its ticket for `check`. Under --parallel
   * the audit judges an answer by what was acknowledged *before* it was sent and by
   * which requests of the same user overlapped it.
   */
  sent(user: number, action: Action): number;
  /**
   * `duringRun` false: a warm-up answer, which feeds the ledger but no figure.
   * Without a ticket the request counts as sent just now, alone (warm-up, sweep).
   */
  check(
    user: number,
    action: Action,
    reply: Reply | Error,
    duringRun?: boolean,
    ticket?: number,
  ): Outcome;
}

/** What a load driver works with; one per variant run. */
export interface LoadContext {
  load: LoadPlan;
  client: AppClient;
  ledger: Ledger;
  workload: Workload;
  audit: AnswerCheck;
  measurements: Measurements;
  signal: AbortSignal;
}

export interface LoadDriver {
  /** Runs the load phase to its end (or until the signal aborts), answers included. */
  run(): Promise<void>;
  /** Resolves once the requests in flight right now have finished. */
  settle(): Promise<void>;
  /** Requests sent and not yet answered. */
  inFlightCount(): number;
}

/** Requests per page view (plans written before --parallel have none: 1). */
export const parallelOf = (load: LoadPlan): number => load.parallel ?? 1;

/** The cookie a step sends: the current session, the revoked one for a replay, none to log in. */
export function tokenFor(ledger: Ledger, step: Step): string | undefined {
  if (step.action === 'replay') return ledger.revokedToken.get(step.user);
  if (step.action === 'login') return undefined;
  return ledger.token.get(step.user);
}

/**
 * The one recording path of both drivers: a step's answer, or its failure, goes
 * through the audit and into the request log, so the timeline, the phases and
 * the fault figures see the same requests in every mode.
 */
export function recordAnswer(
  ctx: LoadContext,
  step: Step,
  intendedMs: number,
  reply: Reply | Error,
): Outcome | undefined {
  const { workload, audit, measurements, signal } = ctx;
  const latencyUs = (measurements.now() - intendedMs) * 1000;
  workload.done(step.user);
  // After an interrupt nothing more is measured: the variant is aborted anyway.
  if (signal.aborted) return undefined;
  const outcome = audit.check(step.user, step.action, reply, true, step.ticket);
  measurements.record(intendedMs, latencyUs, outcome, failureKind(reply));
  return outcome;
}

function failureKind(reply: Reply | Error): FailureKind {
  if (!(reply instanceof Error)) {
    return reply.status === 503 ? FailureKind.Unavailable503 : FailureKind.None;
  }
  const refused = (reply as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  return refused ? FailureKind.Refused : FailureKind.None;
}

/** Connections fixed mode opens before the load: 4 ms of its busiest arrivals, 4 to 128. */
const WARM_SECONDS = 0.004;
const WARM_MIN = 4;
const WARM_MAX = 128;
/** The longest a request waits for a free connection before it opens one. */
const GROW_AFTER_MAX_MS = 100;
/** Arrivals per second per ms of that wait: 100 ms from 30k req/s on. */
const RATE_PER_GROW_MS = 300;

/**
 * The client's sockets: one per saturation connection; in fixed mode up to its cap,
 * of which 4 ms of its busiest arrivals (4 to 128) are opened during the warm-up
 * (measured best: 128 hot connections kept 31k req/s under 1% late, where opening up
 * to 1,024 kept 16k; at low rates a big warm set only has to reconnect after every
 * restart of the app). A request that finds them all busy opens another after a wait
 * that grows with the rate (at once below 1,500 req/s, where the wait is shorter than the
 * pool's timer tick): at 31k req/s connecting during
 * each GC pause of the app made the loop fall behind (one 4 s step 80% late), at 200
 * req/s waiting 100 ms during a store fault left 1.4-5.4% late where connecting
 * within 5 ms left 0.05%.
 */
export function socketsFor(load: LoadPlan): Sockets {
  if (load.mode === 'saturation') {
    return { max: load.connections, warm: load.connections, growAfterMs: 0 };
  }
  const peak = peakRateRps(load);
  const growAfterMs = Math.min(GROW_AFTER_MAX_MS, peak / RATE_PER_GROW_MS);
  return {
    max: load.maxConnections,
    warm: Math.min(
      load.maxConnections,
      WARM_MAX,
      Math.max(WARM_MIN, Math.ceil(peak * WARM_SECONDS)),
    ),
    growAfterMs,
  };
}
