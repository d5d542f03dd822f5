import { arrivalsFor } from './arrivals.js';
import { LATE_MS } from './measurements.js';
import { recordAnswer, tokenFor, type LoadContext, type LoadDriver } from './loadDriver.js';

/**
 * Open loop at a fixed arrival rate (or a rate curve). Each request has an *intended* send time; its latency
 * is measured from that moment, so a stalled server cannot make the generator wait
 * and hide the stall (no coordinated omission). An arrival that finds every user
 * busy waits for one and is sent late: counted, never dropped.
 */
export class FixedRateDriver implements LoadDriver {
  private readonly inFlight = new Set<Promise<void>>();
  /** Intended times of arrivals waiting for an idle user. */
  private readonly waiting: number[] = [];

  constructor(private readonly ctx: LoadContext) {}

  async run(): Promise<void> {
    const { load, measurements, signal } = this.ctx;
    const arrivals = arrivalsFor(load);
    let next = arrivals.next();
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (signal.aborted) return resolve();
        const now = measurements.now();
        while (next !== undefined && next <= now) {
          this.dispatch(next);
          next = arrivals.next();
        }
        if (next === undefined) return resolve();
        setTimeout(tick, Math.max(0, next - measurements.now()));
      };
      tick();
    });
    // Answers still on their way belong to this run; so do arrivals waiting for a user.
    while (!signal.aborted && this.inFlight.size > 0) {
      await Promise.race(this.inFlight);
    }
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  private dispatch(intendedMs: number): void {
    const { workload, ledger, client, measurements, signal } = this.ctx;
    const step = workload.next();
    if (!step) {
      this.waiting.push(intendedMs);
      return;
    }
    let late = false;
    const onSent = () => {
      late = measurements.now() - intendedMs > LATE_MS;
    };
    const request = client
      .send(step.action, step.user, tokenFor(ledger, step), onSent)
      .catch((error: Error) => error)
      .then((reply) => {
        if (recordAnswer(this.ctx, step, intendedMs, reply) !== undefined && late) {
          measurements.markLate();
        }
      })
      .finally(() => {
        this.inFlight.delete(request);
        const waitingSince = this.waiting.shift();
        if (waitingSince !== undefined && !signal.aborted) this.dispatch(waitingSince);
      });
    this.inFlight.add(request);
  }
}
