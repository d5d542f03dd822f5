import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/config/duration.js';
import { parseFaultSpec } from '../../src/config/faultSpec.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { UsageError } from '../../src/errors.js';

async function scenarioFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'session-bench-scenario-'));
  const file = path.join(dir, 'bad.yaml');
  await writeFile(file, text);
  return file;
}

describe('durations', () => {
  it('reads units', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('1.5m')).toBe(90_000);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('30')).toBeUndefined();
    expect(parseDurationMs('soon')).toBeUndefined();
  });
});

describe('--fault', () => {
  it('parses action:target@at[:duration]', () => {
    expect(parseFaultSpec('kill:app@3s')).toEqual({ action: 'kill', target: 'app', at: '3s' });
    expect(parseFaultSpec('pause:node1@4s:1s')).toEqual({
      action: 'pause',
      target: 'node1',
      at: '4s',
      duration: '1s',
    });
  });

  it('rejects malformed specs with the expected form', () => {
    expect(() => parseFaultSpec('kill-app-3s')).toThrow(
      /malformed: expected <action>:<target>@<at>/,
    );
  });
});

describe('loadPlan', () => {
  it('fills defaults and converts durations', async () => {
    const plan = await loadPlan({ scenario: 'smoke', faults: ['pause:app@2s:1s'] });
    expect(plan.load).toMatchObject({
      mode: 'fixed',
      rateRps: 100,
      durationMs: 5000,
      timeoutMs: 5000,
    });
    expect(plan.faults).toEqual([{ atMs: 2000, action: 'pause', target: 'app', durationMs: 1000 }]);
    expect(plan.provider).toBe('auto');
  });

  it('the default scenario is the 10M requests/day peak hour', async () => {
    const plan = await loadPlan({});
    const averageRps = 10_000_000 / 86_400;
    expect(plan.load.rateRps / averageRps).toBeGreaterThanOrEqual(2.5);
    expect(plan.load.rateRps / averageRps).toBeLessThanOrEqual(3.5);
    // 25 s (was 30 s): one default variant per backend stays within ~3 minutes.
    expect(plan.load.durationMs).toBe(20_000);
    // The store, not node0: embedded backends (the app holds their sessions) are hit too.
    expect(plan.faults).toEqual([{ atMs: 12_000, action: 'kill', target: 'store' }]);
  });

  const rejects = async (flags: Parameters<typeof loadPlan>[0], message: RegExp) => {
    const error = await loadPlan(flags).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  };

  it('names the flag, the field and the value for bad flags', async () => {
    await rejects({ scenario: 'smoke', rate: 'fast' }, /load\.rateRps \(--rate\).*got "fast"/);
    await rejects(
      { scenario: 'smoke', mode: 'turbo' },
      /load\.mode \(--mode\).*"fixed".*"saturation".*got "turbo"/,
    );
    await rejects(
      { scenario: 'smoke', duration: '10 parsecs' },
      /load\.duration \(--duration\).*ms, s, m or h, e\.g\. 30s\) from 1s to 24h/,
    );
    await rejects(
      { scenario: 'smoke', faults: ['explode:app@1s'] },
      /faults\.0\.action.*kill.*restart.*pause/,
    );
    await rejects(
      { scenario: 'smoke', faults: ['pause:app@1s'] },
      /faults\.0\.duration.*pause needs a duration/,
    );
    await rejects({ scenario: 'smoke', faults: ['kill:app@9s'] }, /after the load/);
    await rejects(
      { scenario: 'smoke', provider: 'cloud' },
      /--provider "cloud".*auto, process, docker, external/,
    );
  });

  it('names the file, field and allowed values for a bad scenario file', async () => {
    const file = await scenarioFile(
      'name: bad\nload:\n  users: -3\n  rateRps: 10\n  colour: blue\n',
    );
    await rejects(
      { scenario: file },
      new RegExp(`${file}.*\\n.*load: unknown field "colour"; allowed: mode, rateRps`, 's'),
    );
    await rejects({ scenario: file }, /load\.users \(--users\).*got -3/);
  });

  it('says which scenarios exist when one is missing', async () => {
    await rejects({ scenario: 'nope' }, /scenario "nope" not found.*default.*smoke/);
  });

  it('rejects YAML that is not a mapping', async () => {
    await rejects({ scenario: await scenarioFile('- 1\n- 2\n') }, /expected a YAML mapping/);
  });
});
