import type { AuditCounts } from '../result/result.js';
import type { Plan } from '../config/planSchema.js';
import { formatDuration } from '../config/duration.js';
import { summarize } from '../load/latency.js';
import type { Measurements } from '../load/measurements.js';

/** Where a run tells a person what it is doing. Progress never goes to stdout. */
export interface Progress {
  phase(variant: string, text: string): void;
  /** Starts periodic load lines; returns the function that stops them. */
  load(variant: string, plan: Plan, measurements: Measurements, audit: AuditCounts): () => void;
}

/** The part of a stream progress writes to (process.stderr, or a test's fake). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Colors on a terminal; false for NO_COLOR or --no-color. Default: the stream is a TTY. */
  color?: boolean;
  /** Redraw period on a terminal. */
  redrawMs?: number;
  /** Period of the plain lines when the stream is not a terminal (a CI log). */
  lineEveryMs?: number;
}

/** NO_COLOR (https://no-color.org): any non-empty value turns colors off. */
export function colorWanted(stream: ProgressStream, noColorFlag = false): boolean {
  return !noColorFlag && !process.env.NO_COLOR && stream.isTTY === true;
}

const SGR = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;
/** How far back "current rate" looks. */
const RATE_WINDOW_MS = 2_000;

/** What a progress line shows, measured at one moment. */
export interface LoadSnapshot {
  variant: string;
  /** "2/4" when the plan names its variants. */
  position?: string;
  elapsedMs: number;
  totalMs: number;
  rateRps: number;
  p99Us: number;
  errors: number;
  loggedOutUsers: number;
  nextFault?: { action: string; target: string; atMs: number };
}

/**
 * Progress on stderr. On a terminal one status line is redrawn in place (and phase
 * messages scroll above it); elsewhere, such as a CI log, a plain line every few
 * seconds. Colors only on a terminal without NO_COLOR / --no-color.
 */
export class StderrProgress implements Progress {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly color: boolean;
  private readonly redrawMs: number;
  private readonly lineEveryMs: number;
  /** Whether the status line is on screen and must be cleared before other output. */
  private statusShown = false;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.color = options.color ?? colorWanted(this.stream);
    this.redrawMs = options.redrawMs ?? 500;
    this.lineEveryMs = options.lineEveryMs ?? 5_000;
  }

  phase(variant: string, text: string): void {
    this.clearStatus();
    this.stream.write(`${this.paint(SGR.cyan, `[${variant}]`)} ${text}\n`);
  }

  load(variant: string, plan: Plan, measurements: Measurements, audit: AuditCounts): () => void {
    const samples: { atMs: number; total: number }[] = [
      { atMs: measurements.now(), total: measurements.requests.total },
    ];
    const index = plan.variants?.indexOf(variant) ?? -1;
    const snapshot = (): LoadSnapshot => {
      const now = measurements.now();
      samples.push({ atMs: now, total: measurements.requests.total });
      while (samples.length > 2 && now - samples[1]!.atMs >= RATE_WINDOW_MS) samples.shift();
      const first = samples[0]!;
      const spanMs = now - first.atMs;
      const fault = plan.faults.find((f) => f.atMs > now);
      return {
        variant,
        ...(index >= 0 ? { position: `${index + 1}/${plan.variants!.length}` } : {}),
        elapsedMs: Math.min(now, plan.load.durationMs),
        totalMs: plan.load.durationMs,
        rateRps: spanMs > 0 ? ((measurements.requests.total - first.total) / spanMs) * 1000 : 0,
        p99Us: summarize(measurements.histogram).p99,
        errors: measurements.requests.errors + measurements.requests.timeouts,
        loggedOutUsers: audit.loggedOutUsers,
        ...(fault ? { nextFault: fault } : {}),
      };
    };
    const tick = () => {
      const line = this.format(snapshot());
      if (this.tty) this.showStatus(line);
      else this.stream.write(`${line}\n`);
    };
    const timer = setInterval(tick, this.tty ? this.redrawMs : this.lineEveryMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      // On a terminal the last status becomes a permanent line, so the scrollback
      // keeps how each variant's load ended.
      if (this.tty) {
        const line = this.format(snapshot());
        this.clearStatus();
        this.stream.write(`${line}\n`);
      }
    };
  }

  /** One progress line: "[redis 2/4] 12s/30s  348 req/s  p99 4.1 ms  errors 0  logged out 0  next kill:app at 20s". */
  format(s: LoadSnapshot): string {
    const loggedOut = `logged out ${s.loggedOutUsers}`;
    const head = this.paint(SGR.cyan, `[${s.variant}${s.position ? ` ${s.position}` : ''}]`);
    const parts = [
      `${formatDuration(s.elapsedMs)}/${formatDuration(s.totalMs)}`,
      `${Math.round(s.rateRps)} req/s`,
      `p99 ${(s.p99Us / 1000).toFixed(1)} ms`,
      s.errors ? this.paint(SGR.yellow, `errors ${s.errors}`) : `errors ${s.errors}`,
      s.loggedOutUsers ? this.paint(SGR.red, loggedOut) : loggedOut,
      s.nextFault
        ? `next fault ${s.nextFault.action}:${s.nextFault.target} at ${formatDuration(s.nextFault.atMs)}`
        : '',
    ];
    return `${head} ${parts.filter(Boolean).join(this.tty ? '  ' : ', ')}`;
  }

  private showStatus(line: string): void {
    // Cut to the terminal's width: a wrapped line cannot be redrawn in place.
    const width = this.stream.columns;
    const fitted = width && visibleLength(line) >= width ? cut(line, width - 1) : line;
    this.stream.write(`\r\x1b[2K${fitted}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.stream.write('\r\x1b[2K');
    this.statusShown = false;
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

// eslint-disable-next-line no-control-regex -- ANSI color codes start with ESC
const ANSI = /(\x1b\[[0-9;]*m)/;
const visibleLength = (text: string) =>
  text
    .split(ANSI)
    .filter((p) => !p.startsWith('\x1b['))
    .join('').length;

/** The first `width` visible characters, colors kept and closed. */
function cut(text: string, width: number): string {
  let out = '';
  let visible = 0;
  for (const part of text.split(ANSI)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const room = width - visible;
    if (room <= 0) continue;
    out += part.slice(0, room);
    visible += Math.min(part.length, room);
  }
  return text.includes('\x1b[') ? `${out}\x1b[0m` : out;
}
