import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyCounts } from '../../src/audit/audit.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { Measurements } from '../../src/load/measurements.js';
import { Outcome } from '../../src/load/requestLog.js';
import type { LoadFigures, ProgressEvent } from '../../src/lifecycle/progressChannel.js';
import { startLoadTicker } from '../../src/runner/loadTicker.js';
import {
  ProgressChannel,
  StderrProgress,
  colorWanted,
  type LoadSnapshot,
} from '../../src/runner/progress.js';

/** A stream that keeps what was written. */
function fakeStream(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  return {
    chunks,
    text: () => chunks.join(''),
    stream: { isTTY, columns, write: (text: string) => chunks.push(text) },
  };
}

const SNAPSHOT: LoadSnapshot = {
  variant: 'redis:aof-always',
  position: '2/4',
  elapsedMs: 12_000,
  totalMs: 30_000,
  rateRps: 348.4,
  p99Us: 4_120,
  errors: 3,
  loggedOutUsers: 7,
  nextFault: { action: 'kill', target: 'node0', atMs: 20_000 },
};

const FIGURES: LoadFigures = {
  variant: 'memory',
  elapsedMs: 0,
  totalMs: 30_000,
  requests: 0,
  errors: 3,
  p99Us: 4_120,
  loggedOutUsers: 7,
  nextFault: { action: 'kill', target: 'node0', atMs: 20_000 },
};

const ESC = '\x1b[';

describe('StderrProgress', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('shows variant, elapsed/total, rate, p99, errors, logged out and the next fault', () => {
    const out = fakeStream(false);
    const line = new StderrProgress({ stream: out.stream }).format(SNAPSHOT);
    expect(line).toBe(
      '[redis:aof-always 2/4] 12s/30s, 348 req/s, p99 4.1 ms, errors 3, logged out 7, next fault kill:node0 at 20s',
    );
  });

  it('colors only when asked, and never when the stream is not a terminal', () => {
    const tty = fakeStream(true);
    expect(new StderrProgress({ stream: tty.stream, color: true }).format(SNAPSHOT)).toContain(
      `${ESC}31mlogged out 7${ESC}0m`,
    );
    expect(new StderrProgress({ stream: tty.stream, color: false }).format(SNAPSHOT)).not.toContain(
      ESC,
    );
    expect(colorWanted({ isTTY: false, write: () => 0 })).toBe(false);
    expect(colorWanted({ isTTY: true, write: () => 0 }, true)).toBe(false); // --no-color
    vi.stubEnv('NO_COLOR', '1');
    expect(colorWanted({ isTTY: true, write: () => 0 })).toBe(false);
    vi.stubEnv('NO_COLOR', '');
    expect(colorWanted({ isTTY: true, write: () => 0 })).toBe(true);
  });

  it('on a terminal redraws one line in place, cut to the width, and leaves a final line', () => {
    const out = fakeStream(true, 40);
    const channel = new ProgressChannel();
    new StderrProgress({ stream: out.stream, color: false }).listen(channel);
    channel.phase('memory', 'warming up 200 users');
    for (let i = 1; i <= 3; i++) channel.emit({ type: 'loadTick', ...FIGURES, elapsedMs: i * 500 });
    channel.emit({ type: 'loadEnded', ...FIGURES, elapsedMs: 5_000, loggedOutUsers: 4 });
    const text = out.text();
    expect(text.startsWith('[memory] warming up 200 users\n')).toBe(true);
    // Each redraw returns to the line start and clears it; no line feed between redraws.
    const redraws = text.split('\r\x1b[2K').slice(1, -1);
    expect(redraws).toHaveLength(3);
    for (const r of redraws) {
      expect(r).not.toContain('\n');
      expect(r.length).toBeLessThan(40);
    }
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toMatch(/\[memory\] .*logged out 4.*\n$/);
  });

  it('fits the terminal by dropping the least needed parts first; losses stay', () => {
    const progress = new StderrProgress({ stream: fakeStream(true).stream, color: false });
    const wide = progress.format(SNAPSHOT);
    expect(wide).toContain('next fault kill:node0 at 20s');
    for (const width of [100, 80, 60, 50]) {
      const line = progress.format(SNAPSHOT, width);
      expect(line.length, `${width}`).toBeLessThan(width);
      expect(line, `${width}`).toContain('logged out 7');
      expect(line, `${width}`).toContain('errors 3');
    }
    expect(progress.format(SNAPSHOT, 80)).not.toContain('next fault');
    // A width nothing fits in still gives a line that does not wrap.
    expect(progress.format(SNAPSHOT, 20)).toHaveLength(19);
  });

  it('in a log writes a plain line every few seconds of load, and nothing after the end', () => {
    const out = fakeStream(false);
    const channel = new ProgressChannel();
    new StderrProgress({ stream: out.stream, lineEveryMs: 1_000 }).listen(channel);
    const figures = { ...FIGURES, variant: 'disk', position: undefined, nextFault: undefined };
    for (let t = 500; t <= 3_100; t += 500) {
      channel.emit({ type: 'loadTick', ...figures, elapsedMs: t, requests: t / 10 });
    }
    channel.emit({ type: 'loadEnded', ...figures, elapsedMs: 3_100 });
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatch(
        /^\[disk\] \S+\/30s, \d+ req\/s, p99 [\d.]+ ms, errors 3, logged out 7$/,
      );
    }
    expect(lines[1]).toContain('100 req/s');
    expect(out.text()).not.toContain('\r');
    expect(out.text()).not.toContain(ESC);
  });

  it('prints pull progress from the same channel; with no listener (--quiet) nothing is written', () => {
    const out = fakeStream(false);
    const channel = new ProgressChannel();
    const stop = new StderrProgress({ stream: out.stream }).listen(channel);
    channel.emit({ type: 'pull', image: 'redis:7.2', layer: 'abc', status: 'Downloading' });
    expect(out.text()).toBe('docker: redis:7.2 abc: Downloading\n');
    stop();
    channel.emit({ type: 'pull', image: 'redis:7.2', status: 'Pulled' });
    channel.phase('redis', 'starting');
    expect(out.text()).toBe('docker: redis:7.2 abc: Downloading\n');
  });
});

describe('the load ticker', () => {
  afterEach(() => vi.useRealTimers());

  it('emits the live figures as values while the load runs, and the last ones when stopped', async () => {
    vi.useFakeTimers();
    const plan = await loadPlan({ scenario: 'smoke', faults: ['kill:app@3s'] });
    const measurements = new Measurements();
    const audit = emptyCounts();
    const channel = new ProgressChannel();
    const seen: ProgressEvent[] = [];
    channel.on((event) => seen.push(event));
    const stop = startLoadTicker(channel, 'memory', plan, measurements, audit);
    for (let i = 0; i < 30; i++) measurements.record(i * 10, 2_000, Outcome.Ok);
    vi.advanceTimersByTime(1_100);
    audit.loggedOutUsers = 4;
    stop();
    vi.advanceTimersByTime(2_000);
    expect(seen.map((e) => e.type)).toEqual(['loadTick', 'loadTick', 'loadEnded']);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      variant: 'memory',
      requests: 30,
      loggedOutUsers: 4,
      totalMs: 5000,
    });
    expect(last).toMatchObject({ nextFault: { action: 'kill', target: 'app', atMs: 3000 } });
    // A value, not the live object: later changes do not reach an event already sent.
    audit.loggedOutUsers = 9;
    expect(last).toMatchObject({ loggedOutUsers: 4 });
  });
});
