import { arrivalsFor } from './arrivals.js';
import { LATE_MS } from '../config/slo.js';
import {
  parallelOf,
  recordAnswer,
  tokenFor,
  type LoadContext,
  type LoadDriver,
} from './loadDriver.js';
import { Outcome } from './requestLog.js';
import type { Step } from './workload.js';

/**
 * Open loop at a fixed arrival rate (or a rate curve). Each request has an *intended* send time; its latency
 * is measured from that moment, so a stalled server cannot make the generator wait
 * and hide the stall (no coordinated omission). An arrival that finds every user
 * busy waits for one and is sent late: counted, never dropped.
 *
 * Under --parallel N the arrivals stay requests: a page view of N requests takes N
 * arrival slots, is sent whole at the first slot's time, and every one of its
 * requests is measured from that time (the next N-1 slots send nothing). Page views
 * thus arrive at rate/N and the request count still matches the rate; the last page
 * view is cut to the slots left. A user with a page view in flight is not chosen
 * (the one-request-per-user rule, widened to one page view per user); an arrival
 * that finds every user busy waits, as above.
 */
export class FixedRateDriver implements LoadDriver {
  private readonly inFlight = new Set<Promise<void>>();
  /** Intended times of arrivals waiting for an idle user. */
  private readonly waiting: number[] = [];
  /** Arrival slots already taken by a page view sent earlier, skipped as they come. */
  private taken = 0;
  /** Arrivals not yet emitted by the schedule: what a page view may still take. */
  private notYetArrived = 0;
  /** Resolves the end of run() once nothing is in flight any more. */
  private drained: (() => void) | undefined;

  constructor(private readonly ctx: LoadContext) {}

  async run(): Promise<void> {
    const { load, measurements, signal } = this.ctx;
    const arrivals = arrivalsFor(load);
    this.notYetArrived = arrivals.total;
    let next = arrivals.next();
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (signal.aborted) return resolve();
        const now = measurements.now();
        while (next !== undefined && next <= now) {
          this.notYetArrived--;
          if (this.taken > 0) this.taken--;
          else if (!this.dispatch(next)) this.waiting.push(next);
          next = arrivals.next();
        }
        if (next === undefined) return resolve();
        setTimeout(tick, Math.max(0, next - measurements.now()));
      };
      tick();
    });
    // Answers still on their way belong to this run; so do arrivals waiting for a user.
    // (One wake-up when the last settles: a Promise.race over thousands in flight per
    // answer attached a reaction to each of them every time, and ran out of memory.)
    if (!signal.aborted && this.inFlight.size > 0) {
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
      });
      // The run's signal outlives this load (capacity steps, the next variants).
      signal.removeEventListener('abort', onAbort!);
    }
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** One arrival slot: a page view of up to N requests; false when every user is busy. */
  private dispatch(intendedMs: number): boolean {
    const { workload, load } = this.ctx;
    const slots = Math.min(parallelOf(load), 1 + this.notYetArrived - this.taken);
    const steps = workload.nextPageView(slots);
    if (!steps) return false;
    this.taken += steps.length - 1;
    // Tickets first: every request of the page view counts as sent before any answer.
    for (const step of steps) step.ticket = this.ctx.audit.sent(step.user, step.action);
    for (const step of steps) this.send(step, intendedMs);
    return true;
  }

  private send(step: Step, intendedMs: number): void {
    const { ledger, client, measurements, signal } = this.ctx;
    let late = false;
    const onSent = () => {
      late = measurements.now() - intendedMs > LATE_MS;
    };
    const request = client
      .send(step.action, step.user, tokenFor(ledger, step), onSent)
      .catch((error: Error) => error)
      .then((reply) => {
        const outcome = recordAnswer(this.ctx, step, intendedMs, reply);
        // One never sent waited the whole timeout for a connection: later than late.
        if (outcome !== undefined && (late || outcome === Outcome.NotSent)) {
          measurements.markLate();
        }
      })
      .finally(() => {
        this.inFlight.delete(request);
        // The oldest waiting arrival goes first, once a whole page view has freed its user.
        const waitingSince = this.waiting[0];
        if (waitingSince !== undefined && !signal.aborted && this.dispatch(waitingSince)) {
          this.waiting.shift();
        }
        if (this.inFlight.size === 0) this.drained?.();
      });
    this.inFlight.add(request);
  }
}
