import { formatDuration } from '../config/duration.js';
import {
  ProgressChannel,
  type LoadFigures,
  type ProgressEvent,
  type ProgressListener,
} from '../lifecycle/progressChannel.js';

/** What the runner tells a person through: it emits, listeners such as StderrProgress print. */
export type Progress = ProgressChannel;
export { ProgressChannel };

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
  /** Period of the plain lines when the stream is not a terminal (a CI log), in load time. */
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
export interface LoadSnapshot extends Omit<LoadFigures, 'requests'> {
  rateRps: number;
}

/**
 * Prints the run's progress events on stderr. On a terminal one status line is
 * redrawn in place at each load tick (phase messages scroll above it), fitted to the
 * terminal's width; elsewhere, such as a CI log, a plain line every few seconds.
 * Colors only on a terminal without NO_COLOR / --no-color. It reads nothing but
 * the events: `listen(channel)` subscribes it.
 */
export class StderrProgress {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly color: boolean;
  private readonly lineEveryMs: number;
  /** Whether the status line is on screen and must be cleared before other output. */
  private statusShown = false;
  /** Recent (elapsed, requests) samples of the variant in load, for its current rate. */
  private samples: { variant: string; elapsedMs: number; requests: number }[] = [];
  private lastLineMs = 0;
  readonly listener: ProgressListener = (event) => this.handle(event);

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.color = options.color ?? colorWanted(this.stream);
    this.lineEveryMs = options.lineEveryMs ?? 5_000;
  }

  /** Subscribes to a channel; returns the function that unsubscribes. */
  listen(channel: ProgressChannel): () => void {
    return channel.on(this.listener);
  }

  handle(event: ProgressEvent): void {
    switch (event.type) {
      case 'phase':
        return this.writeLine(`${this.paint(SGR.cyan, `[${event.variant}]`)} ${event.text}`);
      case 'pull':
        return this.writeLine(
          `docker: ${event.image} ${event.layer ? `${event.layer}: ` : ''}${event.status}`,
        );
      case 'loadTick':
        return this.tick(event);
      case 'loadEnded':
        return this.ended(event);
    }
  }

  private tick(figures: LoadFigures): void {
    const snapshot = this.snapshot(figures);
    if (this.tty) return this.showStatus(snapshot);
    if (figures.elapsedMs - this.lastLineMs < this.lineEveryMs) return;
    this.lastLineMs = figures.elapsedMs;
    this.stream.write(`${this.format(snapshot)}\n`);
  }

  private ended(figures: LoadFigures): void {
    // On a terminal the last status becomes a permanent line, so the scrollback
    // keeps how each variant's load ended.
    if (this.tty) this.writeLine(this.fitted(this.snapshot(figures)));
    this.samples = [];
    this.lastLineMs = 0;
  }

  private snapshot(figures: LoadFigures): LoadSnapshot {
    const { requests, ...rest } = figures;
    if (this.samples[0]?.variant !== figures.variant) this.samples = [];
    this.samples.push({ variant: figures.variant, elapsedMs: figures.elapsedMs, requests });
    while (
      this.samples.length > 2 &&
      figures.elapsedMs - this.samples[1]!.elapsedMs >= RATE_WINDOW_MS
    ) {
      this.samples.shift();
    }
    const first = this.samples[0]!;
    const spanMs = figures.elapsedMs - first.elapsedMs;
    return { ...rest, rateRps: spanMs > 0 ? ((requests - first.requests) / spanMs) * 1000 : 0 };
  }

  /**
   * One progress line: "[redis 2/4] 12s/30s  348 req/s  p99 4.1 ms  errors 0  logged out 0
   * next fault kill:node0 at 20s". Given a width, the least needed parts go first
   * (next fault, p99, rate, time); errors and logged-out users stay to the last.
   */
  format(s: LoadSnapshot, width?: number): string {
    const loggedOut = `logged out ${s.loggedOutUsers}`;
    const head = this.paint(SGR.cyan, `[${s.variant}${s.position ? ` ${s.position}` : ''}]`);
    // In the order shown; `drop` ranks what goes first when the line is too wide.
    const parts = [
      { drop: 4, text: `${formatDuration(s.elapsedMs)}/${formatDuration(s.totalMs)}` },
      { drop: 3, text: `${Math.round(s.rateRps)} req/s` },
      { drop: 2, text: `p99 ${(s.p99Us / 1000).toFixed(1)} ms` },
      { drop: 9, text: s.errors ? this.paint(SGR.yellow, `errors ${s.errors}`) : `errors 0` },
      { drop: 9, text: s.loggedOutUsers ? this.paint(SGR.red, loggedOut) : loggedOut },
      {
        drop: 1,
        text: s.nextFault
          ? `next fault ${s.nextFault.action}:${s.nextFault.target} at ${formatDuration(s.nextFault.atMs)}`
          : '',
      },
    ].filter((p) => p.text);
    const join = () => `${head} ${parts.map((p) => p.text).join(this.tty ? '  ' : ', ')}`;
    let line = join();
    for (let rank = 1; width && visibleLength(line) >= width && rank <= 4; rank++) {
      const at = parts.findIndex((p) => p.drop === rank);
      if (at >= 0) parts.splice(at, 1);
      line = join();
    }
    // Still too wide (a long variant name): cut, a wrapped line cannot be redrawn in place.
    return width && visibleLength(line) >= width ? cut(line, width - 1) : line;
  }

  /** The line for the terminal's current width (it may change while running). */
  private fitted(s: LoadSnapshot): string {
    return this.format(s, this.stream.columns);
  }

  private writeLine(line: string): void {
    this.clearStatus();
    this.stream.write(`${line}\n`);
  }

  private showStatus(s: LoadSnapshot): void {
    this.stream.write(`\r\x1b[2K${this.fitted(s)}`);
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
