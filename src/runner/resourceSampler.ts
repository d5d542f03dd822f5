import { maxOf } from '../extremes.js';
import { isMetered, type Metered, type ResourceReading } from '../lifecycle/resourceUsage.js';
import type { FaultTarget } from '../lifecycle/faultTarget.js';
import type { ResourcePoint, ResourceUsage } from '../result/result.js';

const SAMPLE_EVERY_MS = 1_000;
const NOT_VISIBLE = 'not visible: an external server runs outside what session-bench can see';

interface Sample {
  tMs: number;
  reading: ResourceReading;
}

/** Per-interval use between two samples; a counter that fell means the target restarted. */
interface Interval {
  fromMs: number;
  toMs: number;
  cpuMs: number;
  rssBytes: number;
  writtenBytes: number | null;
}

const since = (now: number, before: number) => (now >= before ? now - before : now);

function intervalOf(a: Sample, b: Sample): Interval {
  const { reading: x } = a;
  const { reading: y } = b;
  const interval = { fromMs: a.tMs, toMs: b.tMs, rssBytes: y.rssBytes };
  if (x.processes && y.processes) {
    // Per pid: an exited process no longer counts, a new one counts from its start.
    let cpuMs = 0;
    let writtenBytes: number | null = 0;
    for (const [pid, now] of Object.entries(y.processes)) {
      const before = x.processes[Number(pid)];
      cpuMs += since(now.cpuMs, before?.cpuMs ?? 0);
      writtenBytes =
        writtenBytes === null || now.writtenBytes === null
          ? null
          : writtenBytes + since(now.writtenBytes, before?.writtenBytes ?? 0);
    }
    return { ...interval, cpuMs, writtenBytes };
  }
  // A cumulative counter (a container's cgroup) that fell means the target restarted.
  return {
    ...interval,
    cpuMs: since(y.cpuMs, x.cpuMs),
    writtenBytes:
      x.writtenBytes === null || y.writtenBytes === null
        ? null
        : since(y.writtenBytes, x.writtenBytes),
  };
}

/**
 * Reads every node's and app instance's CPU time, memory and bytes written once a
 * second during the load (the process tree in /proc, or the Docker stats API), and
 * turns the samples into per-target totals, per-second points and per-window CPU %.
 */
export class ResourceSampler {
  private readonly metered: Metered[];
  private readonly hidden: string[];
  private readonly samples = new Map<string, Sample[]>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    targets: Iterable<FaultTarget>,
    private readonly now: () => number,
  ) {
    const all = [...targets];
    this.metered = all.filter((t): t is FaultTarget & Metered => isMetered(t));
    this.hidden = all.filter((t) => !isMetered(t)).map((t) => t.name);
    for (const t of this.metered) this.samples.set(t.name, []);
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.sampleAll();
  }

  /** One sample at a time: a slow stats call skips a tick rather than piling up. */
  private tick(): void {
    this.inFlight = this.inFlight.then(() => this.sampleAll());
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(
      this.metered.map(async (target) => {
        const tMs = this.now();
        const reading = await target.usage().catch(() => undefined);
        if (reading) this.samples.get(target.name)!.push({ tMs, reading });
      }),
    );
  }

  private intervals(name: string): Interval[] {
    const list = this.samples.get(name) ?? [];
    return list.slice(1).map((s, i) => intervalOf(list[i]!, s));
  }

  /** Totals per target over the load, also per 1,000 answered requests; hidden targets say so. */
  usage(requests: number, spanMs: number): ResourceUsage[] {
    const per1k = (value: number | null) =>
      value === null || requests === 0 ? null : Math.round((value / requests) * 1000 * 10) / 10;
    const seen = this.metered.map((target): ResourceUsage => {
      const intervals = this.intervals(target.name);
      const cpuMs = intervals.reduce((sum, i) => sum + i.cpuMs, 0);
      const written = intervals.some((i) => i.writtenBytes === null)
        ? null
        : intervals.reduce((sum, i) => sum + i.writtenBytes!, 0);
      const samples = this.samples.get(target.name)!;
      const measured = samples.length >= 2;
      return {
        target: target.name,
        visible: true,
        source: target.usageSource,
        ...(measured ? {} : { reason: 'fewer than two samples: the load was too short' }),
        cpuMs: measured ? Math.round(cpuMs) : null,
        cpuPercent: measured ? Math.round((cpuMs / Math.max(spanMs, 1)) * 1000) / 10 : null,
        rssBytesMax: samples.length ? maxOf(samples.map((s) => s.reading.rssBytes)) : null,
        writtenBytes: measured ? written : null,
        cpuMsPer1kRequests: measured ? per1k(cpuMs) : null,
        writtenBytesPer1kRequests: measured ? per1k(written) : null,
        samples: samples.length,
      };
    });
    const hidden = this.hidden.map((target): ResourceUsage => ({
      target,
      visible: false,
      reason: NOT_VISIBLE,
      cpuMs: null,
      cpuPercent: null,
      rssBytesMax: null,
      writtenBytes: null,
      cpuMsPer1kRequests: null,
      writtenBytesPer1kRequests: null,
      samples: 0,
    }));
    return [...seen, ...hidden];
  }

  /** Each target's use in the second starting at tMs. */
  pointsAt(tMs: number): ResourcePoint[] {
    const points: ResourcePoint[] = [];
    for (const target of this.metered) {
      // The interval whose middle falls in this second (samples drift on a busy machine).
      const interval = this.intervals(target.name).find((i) => {
        const middleMs = (i.fromMs + i.toMs) / 2;
        return middleMs >= tMs && middleMs < tMs + 1000;
      });
      if (!interval) continue;
      const lengthMs = Math.max(interval.toMs - interval.fromMs, 1);
      points.push({
        target: target.name,
        cpuPercent: Math.round((interval.cpuMs / lengthMs) * 1000) / 10,
        rssBytes: interval.rssBytes,
        writtenBytes: interval.writtenBytes,
      });
    }
    return points;
  }

  /** CPU % per target over [fromMs, toMs), from the intervals inside it. */
  cpuPercentBetween(fromMs: number, toMs: number): Record<string, number> {
    const shares: Record<string, number> = {};
    for (const target of this.metered) {
      const inside = this.intervals(target.name).filter(
        (i) => i.fromMs >= fromMs && i.toMs <= toMs,
      );
      const lengthMs = inside.reduce((sum, i) => sum + i.toMs - i.fromMs, 0);
      if (!lengthMs) continue;
      const cpuMs = inside.reduce((sum, i) => sum + i.cpuMs, 0);
      shares[target.name] = Math.round((cpuMs / lengthMs) * 1000) / 10;
    }
    return shares;
  }
}
