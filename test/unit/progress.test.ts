import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyCounts } from '../../src/audit/audit.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { Measurements } from '../../src/load/measurements.js';
import { Outcome } from '../../src/load/requestLog.js';
import { StderrProgress, colorWanted, type LoadSnapshot } from '../../src/runner/progress.js';

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

  it('on a terminal redraws one line in place, cut to the width, and leaves a final line', async () => {
    vi.useFakeTimers();
    const out = fakeStream(true, 40);
    const progress = new StderrProgress({ stream: out.stream, color: false, redrawMs: 100 });
    const plan = await loadPlan({ scenario: 'smoke', faults: ['kill:app@3s'] });
    const measurements = new Measurements();
    const audit = emptyCounts();
    progress.phase('memory', 'warming up 200 users');
    const stop = progress.load('memory', plan, measurements, audit);
    for (let i = 0; i < 30; i++) measurements.record(i * 10, 2_000, Outcome.Ok);
    vi.advanceTimersByTime(350);
    audit.loggedOutUsers = 4;
    stop();
    const text = out.text();
    expect(text.startsWith('[memory] warming up 200 users\n')).toBe(true);
    // Each redraw returns to the line start and clears it; no line feed between redraws.
    const redraws = text.split('\r\x1b[2K').slice(1, -1);
    expect(redraws.length).toBeGreaterThanOrEqual(3);
    for (const r of redraws) {
      expect(r).not.toContain('\n');
      expect(r.length).toBeLessThan(40);
    }
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toMatch(/\[memory\] .*logged out 4.*\n$/);
  });

  it('in a log writes plain periodic lines, and nothing after stop', async () => {
    vi.useFakeTimers();
    const out = fakeStream(false);
    const progress = new StderrProgress({ stream: out.stream, lineEveryMs: 1_000 });
    const plan = await loadPlan({ scenario: 'smoke' });
    const stop = progress.load('disk', plan, new Measurements(), emptyCounts());
    vi.advanceTimersByTime(3_100);
    stop();
    vi.advanceTimersByTime(5_000);
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatch(/^\[disk\] \S+\/5s, \d+ req\/s, p99 [\d.]+ ms, errors 0, logged out 0$/);
    }
    expect(out.text()).not.toContain('\r');
    expect(out.text()).not.toContain(ESC);
  });
});
