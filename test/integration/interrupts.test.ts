import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VariantResult } from '../../src/result/result.js';
import {
  afterPrinted,
  catchesSighup,
  resultsIn,
  runCli,
  tempFoldersOf,
  until,
} from '../helpers/cliProcess.js';

const outDir = () => mkdtemp(path.join(os.tmpdir(), 'sb-interrupt-out-'));
const smoke = (out: string, ...args: string[]) => [
  'run',
  '--scenario',
  'smoke',
  '--backends',
  'memory',
  '--out',
  out,
  ...args,
];

/** What happened to a target after it went down: only its stop may follow. */
const eventsAfter = (variant: VariantResult, event: string) =>
  variant.events.slice(variant.events.findIndex((e) => e.event === event) + 1);

describe('interrupts (CLI)', () => {
  it('SIGTERM while the CLI is still loading exits 130 with an aborted result and no temp folder', async () => {
    const out = await outDir();
    let listeningEarly = false;
    const run = await runCli(smoke(out, '--duration', '5s'), {
      signalAfter: {
        signal: 'SIGTERM',
        // Sent the moment the CLI listens, before it loads the rest of itself. Before
        // this fix it listened only once the run began, and died with 143 before that.
        when: async (_stderr, pid) => {
          await until(async () => catchesSighup(pid), 5_000).catch(() => undefined);
          listeningEarly = catchesSighup(pid);
        },
      },
    });
    expect(listeningEarly, 'the CLI never caught SIGHUP').toBe(true);
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(130);
    const [written] = await resultsIn(out);
    expect(written!.result.status).toBe('aborted');
    expect(written!.result.results[0]).toMatchObject({ variant: 'memory', status: 'skipped' });
    expect(await tempFoldersOf(written!.result.runId)).toEqual([]);
  });

  it('SIGHUP during the load exits 130, writes the result as aborted and removes the temp folder', async () => {
    const out = await outDir();
    const run = await runCli(smoke(out, '--duration', '10s'), {
      signalAfter: { signal: 'SIGHUP', when: afterPrinted('warming up', 1500) },
    });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(130);
    expect(run.exitAfterSignalMs).toBeLessThan(2_000);
    const [written] = await resultsIn(out);
    expect(written!.result.status).toBe('aborted');
    expect(written!.result.results[0]!.status).toBe('aborted');
    expect(written!.result.results[0]!.requests.total).toBeGreaterThan(0);
    expect(await tempFoldersOf(written!.result.runId)).toEqual([]);
  });

  it('one Ctrl-C delivered twice (terminal + npx) still writes the aborted result', async () => {
    const out = await outDir();
    const run = await runCli(smoke(out, '--duration', '10s'), {
      signalAfter: { signal: 'SIGINT', when: afterPrinted('warming up', 1500), repeatAfterMs: 1 },
    });
    expect(run.code, run.stderr).toBe(130);
    const [written] = await resultsIn(out);
    // Not "partial": the repeat did not force an exit before the result was written.
    expect(written!.result.status).toBe('aborted');
    expect(await tempFoldersOf(written!.result.runId)).toEqual([]);
  });

  it('Ctrl-C during the downtime of kill:app@1s:20s exits within 2 s and starts no app again', async () => {
    const out = await outDir();
    const run = await runCli(smoke(out, '--duration', '30s', '--fault', 'kill:app@1s:20s'), {
      // The load starts right after a 200-user warm-up; the app is down from 1 s on.
      signalAfter: { signal: 'SIGINT', when: afterPrinted('warming up', 3000) },
    });
    expect(run.code, run.stderr).toBe(130);
    expect(run.exitAfterSignalMs).toBeLessThan(2_000);
    const [written] = await resultsIn(out);
    const variant = written!.result.results[0]!;
    expect(variant.status).toBe('aborted');
    expect(variant.faults[0]).toMatchObject({ action: 'kill', status: 'done' });
    expect(variant.faults[0]!.reason).toMatch(/interrupted while app0 was down/);
    // The kill came before the signal; after it the app was never started again (a
    // target that is down has nothing to stop, so no event follows at all).
    expect(eventsAfter(variant, 'exited').map((e) => e.event)).not.toContain('start');
    expect(variant.events.filter((e) => e.event === 'start')).toHaveLength(1);
  });

  // The fault runner starts after the warm-up: it must see an interrupt that came before.
  it('Ctrl-C during the warm-up exits within 2 s and no fault fires after it', async () => {
    const out = await outDir();
    const run = await runCli(
      ['run', '--scenario', 'smoke', '--backends', 'memory', '--users', '300000'].concat([
        '--duration',
        '10s',
        '--fault',
        'kill:app@1s',
        '--out',
        out,
      ]),
      { signalAfter: { signal: 'SIGINT', when: afterPrinted('warming up', 300) } },
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.exitAfterSignalMs).toBeLessThan(2_000);
    const [written] = await resultsIn(out);
    const variant = written!.result.results[0]!;
    expect(variant.status).toBe('aborted');
    expect(variant.events.filter((e) => e.event.startsWith('fault'))).toEqual([]);
    expect(variant.faults.map((f) => f.status)).toEqual(['skipped']);
  });

  it('Ctrl-C during pause:node0@1s:15s resumes and stops redis and exits within 2 s', async () => {
    const out = await outDir();
    const run = await runCli(
      ['run', '--scenario', 'smoke', '--backends', 'redis', '--provider', 'process'].concat([
        '--duration',
        '20s',
        '--fault',
        'pause:node0@1s:15s',
        '--out',
        out,
      ]),
      { signalAfter: { signal: 'SIGINT', when: afterPrinted('warming up', 3000) } },
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.exitAfterSignalMs).toBeLessThan(2_000);
    const [written] = await resultsIn(out);
    const variant = written!.result.results[0]!;
    expect(eventsAfter(variant, 'paused').map((e) => `${e.target} ${e.event}`)).toEqual(
      expect.arrayContaining(['node0 resumed', 'node0 stop']),
    );
    expect(variant.events.filter((e) => e.target === 'node0' && e.event === 'start')).toHaveLength(
      1,
    );
  });
});
