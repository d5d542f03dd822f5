import type { RequestLog } from './requestLog.js';

/** Rows of the request log sorted by intended send time, for window queries. */
export class LogIndex {
  readonly order: Uint32Array;

  constructor(readonly log: RequestLog) {
    const order = new Uint32Array(log.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => log.intendedMs[a]! - log.intendedMs[b]!);
    this.order = order;
  }

  /** Position of the first row intended at or after `ms`. */
  lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log.intendedMs[this.order[mid]!]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Log rows intended in [fromMs, toMs). */
  rows(fromMs: number, toMs: number): number[] {
    const rows: number[] = [];
    for (let k = this.lowerBound(fromMs); k < this.order.length; k++) {
      const i = this.order[k]!;
      if (this.log.intendedMs[i]! >= toMs) break;
      rows.push(i);
    }
    return rows;
  }
}
