import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Audit } from '../../src/audit/audit.js';
import { finalSweep } from '../../src/audit/finalSweep.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { AppClient } from '../../src/load/appClient.js';
import { FixedRateDriver } from '../../src/load/fixedRateDriver.js';
import { Ledger } from '../../src/load/ledger.js';
import { Measurements } from '../../src/load/measurements.js';
import { warmUp } from '../../src/load/warmUp.js';
import { Workload } from '../../src/load/workload.js';

/**
 * The audit's --parallel rules on real middleware: express 5 + express-session
 * (test/fixtures/expressResaveApp.ts), driven by the real load driver and audit.
 * With resave (the library's default) a read saves what it loaded when it ends, so
 * page views lose updates and bring logged-out sessions back; without it, the same
 * page views must count nothing.
 */
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill();
});

async function startApp(resave: boolean): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/expressResaveApp.ts'], {
    env: { ...process.env, RESAVE: String(resave) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return Number(line.toString().trim());
}

async function audited(resave: boolean, parallel: number) {
  const port = await startApp(resave);
  const plan = await loadPlan({
    scenario: 'smoke',
    rate: '200',
    duration: '4s',
    users: '100',
    parallel: String(parallel),
  });
  const ledger = new Ledger(plan.load.users);
  const measurements = new Measurements();
  const audit = new Audit(ledger, () => measurements.now());
  const client = new AppClient([`http://127.0.0.1:${port}`], plan.load.timeoutMs, {
    max: 256,
    warm: 256,
    growAfterMs: 0,
  });
  const signal = new AbortController().signal;
  try {
    await warmUp(client, audit, plan.load.users, signal);
    measurements.startLoad();
    const workload = new Workload(ledger, plan.load.mix, plan.load.seed);
    const context = { load: plan.load, client, ledger, audit, measurements, signal, workload };
    await new FixedRateDriver(context).run();
    await finalSweep(client, ledger, audit, signal);
  } finally {
    client.close();
  }
  expect(measurements.requests.errors + measurements.requests.timeouts).toBe(0);
  expect(measurements.requests.total).toBe(800);
  return audit.counts;
}

describe('--parallel on express-session', () => {
  it('resave (the default), page views of 2: lost updates and resurrected sessions', async () => {
    const counts = await audited(true, 2);
    expect(counts.lostUpdates).toBeGreaterThan(0);
    expect(counts.resurrectedSessions).toBeGreaterThan(0);
    expect(counts.loggedOutUsers).toBe(0);
    expect(counts.wrongUserSessions).toBe(0);
  });

  it('resave, one request at a time: nothing', async () => {
    const counts = await audited(true, 1);
    expect(counts).toMatchObject({ lostUpdates: 0, resurrectedSessions: 0, loggedOutUsers: 0 });
  });

  it('without resave, page views of 2: nothing (the races are not counted as loss)', async () => {
    const counts = await audited(false, 2);
    expect(counts).toMatchObject({
      lostUpdates: 0,
      resurrectedSessions: 0,
      loggedOutUsers: 0,
      loginWallHits: 0,
    });
  });
});
