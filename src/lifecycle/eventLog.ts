import type { LifecycleEvent } from '../result/result.js';

/** Records every start, stop and fault with its time, for the result file. */
export class EventLog {
  readonly events: LifecycleEvent[] = [];
  private originMs = performance.now();

  /** Times are measured from here on (the start of the load phase). */
  setOrigin(originMs: number): void {
    const shift = this.originMs - originMs;
    for (const e of this.events) e.tMs = Math.round(e.tMs + shift);
    this.originMs = originMs;
  }

  record(target: string, event: string, detail?: string): void {
    const tMs = Math.round(performance.now() - this.originMs);
    this.events.push(
      detail === undefined ? { tMs, target, event } : { tMs, target, event, detail },
    );
  }
}
