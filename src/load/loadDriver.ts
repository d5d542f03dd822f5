import type { LoadPlan } from '../config/planSchema.js';
import type { AppClient, Reply } from './appClient.js';
import type { Ledger } from './ledger.js';
import type { Measurements } from './measurements.js';
import { FailureKind, type Outcome } from './requestLog.js';
import type { Action, Step, Workload } from './workload.js';

/**
 * Judges one answer (or failure) against the ledger and says how it counts. The
 * audit implements it; the load only calls it, so load does not depend on audit.
 */
export interface AnswerCheck {
  /** `duringRun` false: a warm-up answer, which feeds the ledger but no figure. */
  check(user: number, action: Action, reply: Reply | Error, duringRun?: boolean): Outcome;
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
  const outcome = audit.check(step.user, step.action, reply);
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
