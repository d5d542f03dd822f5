import type { FaultPlan } from '../config/loadPlan.js';
import { errorMessage } from '../errors.js';
import { sleep } from '../lifecycle/childProcess.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { Ledger } from '../load/ledger.js';
import type { LoadDriver } from '../load/loadDriver.js';
import type { Measurements } from '../load/measurements.js';
import { seededRandom } from '../load/random.js';
import { SkippedFault, type FaultTarget } from './faultTarget.js';

/** What happened when a planned fault fired; the impact figures are added after the run. */
export interface FaultExecution {
  plan: FaultPlan;
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
  /** The targets actually hit (`all` and `random` resolve to nodes). */
  targets: string[];
  /** ms after the load started when the action began and when the target served again. */
  startedMs?: number;
  endedMs?: number;
  /** Users the ledger had logged in once the target was down and answers in flight had settled. */
  loggedInUsersAtFault?: number;
  /** Requests still in flight when that count was taken (0: the count is exact). */
  unsettledAtFault?: number;
}

/** How long the logged-in count may wait for requests in flight; it never delays the fault. */
const SETTLE_WAIT_MS = 250;

export interface FaultRunnerContext {
  targets: Map<string, FaultTarget>;
  driver: LoadDriver;
  ledger: Ledger;
  measurements: Measurements;
  events: EventLog;
  signal: AbortSignal;
  seed: number;
}

/** Fires each planned fault at its time during the load phase; resolves when all have ended. */
export async function runFaults(
  faults: FaultPlan[],
  ctx: FaultRunnerContext,
): Promise<FaultExecution[]> {
  const random = seededRandom(ctx.seed ^ 0x5eed);
  return Promise.all(
    faults.map(async (plan) => {
      await sleep(Math.max(0, plan.atMs - ctx.measurements.now()));
      if (ctx.signal.aborted)
        return { plan, status: 'skipped', reason: 'run aborted', targets: [] };
      return execute(plan, resolveTargets(plan.target, ctx.targets, random), ctx);
    }),
  );
}

function resolveTargets(
  target: string,
  all: Map<string, FaultTarget>,
  random: () => number,
): FaultTarget[] {
  if (target === 'app') return all.has('app') ? [all.get('app')!] : [];
  const nodes = [...all.values()].filter((t) => t.name.startsWith('node'));
  if (target === 'all') return nodes;
  if (target === 'random') return nodes.length ? [nodes[Math.floor(random() * nodes.length)]!] : [];
  const one = all.get(target);
  return one ? [one] : [];
}

async function execute(
  plan: FaultPlan,
  targets: FaultTarget[],
  ctx: FaultRunnerContext,
): Promise<FaultExecution> {
  const names = targets.map((t) => t.name);
  if (targets.length === 0) {
    const known = [...ctx.targets.keys()].join(', ') || 'none';
    return {
      plan,
      status: 'skipped',
      reason: `no target ${plan.target} here (targets: ${known})`,
      targets: names,
    };
  }
  const record: FaultExecution = {
    plan,
    status: 'done',
    targets: names,
    startedMs: ctx.measurements.now(),
  };
  ctx.events.record(names.join(','), `fault ${plan.action}`);
  let counted: Promise<void> | undefined;
  const onDown = () => {
    counted ??= countLoggedIn(ctx, record);
  };
  try {
    await Promise.all(targets.map((t) => act(t, plan, onDown)));
  } catch (error) {
    record.status = error instanceof SkippedFault ? 'skipped' : 'failed';
    record.reason = errorMessage(error);
  }
  await counted;
  record.endedMs = ctx.measurements.now();
  return record;
}

function act(target: FaultTarget, plan: FaultPlan, onDown: () => void): Promise<void> {
  switch (plan.action) {
    case 'kill':
      return target.kill(onDown);
    case 'restart':
      return target.restart(onDown);
    case 'pause':
      return target.pause(plan.durationMs ?? 0);
  }
}

async function countLoggedIn(ctx: FaultRunnerContext, record: FaultExecution): Promise<void> {
  let settled = false;
  await Promise.race([ctx.driver.settle().then(() => (settled = true)), sleep(SETTLE_WAIT_MS)]);
  record.loggedInUsersAtFault = ctx.ledger.loggedInCount();
  record.unsettledAtFault = settled ? 0 : ctx.driver.inFlightCount();
}
