import { sleep } from '../lifecycle/sleep.js';
import {
  parallelOf,
  recordAnswer,
  tokenFor,
  type LoadContext,
  type LoadDriver,
} from './loadDriver.js';
import type { Step } from './workload.js';

/** How long a connection waits before looking again when every user is busy. */
const ALL_BUSY_WAIT_MS = 1;

/**
 * Closed loop: each of `load.connections` connections sends its next step as soon as
 * the previous one is answered, which finds the maximum throughput. Latency here is
 * service time under saturation, not the latency users would see at a given rate.
 *
 * The requests go through the same AppClient and the same recording path as the
 * fixed-rate driver: every request, answered or failed (a timeout, a closed
 * connection), is audited. No step starts after the load's duration; the ones still
 * in flight then are cut off: they may have been applied (a logout, say), so the audit
 * treats them as unknown; they are not the server's failures, so they are not in the
 * log, and their late answers are ignored.
 *
 * Under --parallel N a page view's requests go out on the next N connections that
 * are free (at saturation, within about one service time of each other), not on one:
 * a connection keeps one request in flight.
 */
export class SaturationDriver implements LoadDriver {
  /** Requests of started page views that no connection has sent yet. */
  private readonly queued: Step[] = [];
  /** Sent and not answered yet; emptied by the cut-off at the end. */
  private readonly inFlight = new Set<Step>();
  private loops: Promise<void>[] = [];

  constructor(private readonly ctx: LoadContext) {}

  async run(): Promise<void> {
    const { load, measurements, signal } = this.ctx;
    this.loops = Array.from({ length: load.connections }, () => this.connection());
    // The whole duration on the figures' clock (a bare timer may end it 1 ms early). The
    // loops end only at the same time, or on the signal, which ends the sleep too.
    const end = sleep(Math.max(0, load.durationMs - measurements.now()), signal);
    await Promise.race([Promise.all(this.loops), end]);
    for (const step of this.inFlight) {
      this.ctx.workload.done(step.user);
      const cutOff = new Error('no answer before the load ended');
      this.ctx.audit.check(step.user, step.action, cutOff, true, step.ticket);
    }
    this.inFlight.clear();
    // Never sent: the page view's user is simply free again.
    for (const step of this.queued.splice(0)) this.ctx.workload.done(step.user);
  }

  /** One connection's loop: a step, its answer, the next step, until the load ends. */
  private async connection(): Promise<void> {
    const { ledger, client, measurements, signal, load } = this.ctx;
    while (!signal.aborted && measurements.now() < load.durationMs) {
      const step = this.nextStep();
      if (!step) {
        await new Promise((resolve) => setTimeout(resolve, ALL_BUSY_WAIT_MS));
        continue;
      }
      step.ticket = this.ctx.audit.sent(step.user, step.action);
      const sentAtMs = measurements.now();
      this.inFlight.add(step);
      const reply = await client
        .send(step.action, step.user, tokenFor(ledger, step))
        .catch((error: Error) => error);
      // Cut off at the end: already settled there.
      if (!this.inFlight.delete(step)) return;
      recordAnswer(this.ctx, step, sentAtMs, reply);
    }
  }

  /** The next request: the rest of a started page view first, else a new page view. */
  private nextStep(): Step | null {
    const queued = this.queued.shift();
    if (queued) return queued;
    const steps = this.ctx.workload.nextPageView(parallelOf(this.ctx.load));
    if (!steps) return null;
    for (let i = 1; i < steps.length; i++) this.queued.push(steps[i]!);
    return steps[0]!;
  }

  /** Closed loop: nothing is in flight beyond one request per connection, and what is left at the end is cut off. */
  async settle(): Promise<void> {}

  inFlightCount(): number {
    return this.inFlight.size;
  }
}
