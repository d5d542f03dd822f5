import type { Audit } from '../audit/audit.js';
import type { FaultPlan } from '../config/planSchema.js';
import { InterruptedError, errorMessage, throwIfInterrupted } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { Ledger } from '../load/ledger.js';
import type { LoadDriver } from '../load/loadDriver.js';
import type { Measurements } from '../load/measurements.js';
import { seededRandom } from '../random.js';
import { SkippedFault, type FaultTarget } from '../lifecycle/faultTarget.js';
import { isNetworkAction } from '../config/schema.js';
import { FRONT_LINK, type NetworkLink } from '../network/faultProxy.js';
import { runNetworkFault } from '../network/networkFault.js';
import { ROLE_TARGET, type Roles } from '../lifecycle/faultTarget.js';
import { startFailoverWatch, type FailoverFigures } from './failover.js';

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
  /** Users the ledger was sure were logged in (seen alive since any earlier fault) once the
   *  target was down and answers in flight had settled. */
  loggedInUsersAtFault?: number;
  /** Requests still in flight when that count was taken (0: the count is exact). */
  unsettledAtFault?: number;
  /** Index of this fault's window in the audit (sessions lost are blamed per fault). */
  auditIndex?: number;
  /** A fault on a replicated store's primary: see FaultResult.failover. */
  failover?: FailoverFigures;
}

/** How long the logged-in count may wait for requests in flight; it never delays the fault. */
const SETTLE_WAIT_MS = 250;

export interface FaultRunnerContext {
  targets: Map<string, FaultTarget>;
  /** The fault proxy's link in front of each node, by node name (when a proxy is placed). */
  links?: Map<string, NetworkLink>;
  /** A replicated store's roles: `primary` and `replica<i>` targets resolve through it. */
  roles?: Roles;
  driver: LoadDriver;
  ledger: Ledger;
  audit: Audit;
  measurements: Measurements;
  events: EventLog;
  signal: AbortSignal;
  seed: number;
}

/**
 * Fires each planned fault at its time during the load phase; resolves when all have
 * ended. After an interrupt nothing acts: a fault still waiting is skipped, a downtime
 * ends at once and its target is not started again.
 */
export async function runFaults(
  faults: FaultPlan[],
  ctx: FaultRunnerContext,
): Promise<FaultExecution[]> {
  const random = seededRandom(ctx.seed ^ 0x5eed);
  return Promise.all(
    faults.map(async (plan): Promise<FaultExecution> => {
      // Timers may fire a hair early; a fault never starts before its time. Ctrl-C
      // ends the wait at once, so cleanup does not wait for a fault that will not run.
      while (ctx.measurements.now() < plan.atMs && !ctx.signal.aborted) {
        await sleep(Math.max(1, plan.atMs - ctx.measurements.now()), ctx.signal);
      }
      if (ctx.signal.aborted)
        return { plan, status: 'skipped', reason: 'run aborted', targets: [] };
      const resolved = await resolveRoleTarget(plan.target, ctx);
      if (typeof resolved !== 'string') return { ...resolved, plan };
      return execute(plan, resolveTargets(resolved, ctx.targets, random), ctx);
    }),
  );
}

/**
 * `primary`, `replica<i>`: the member holding the role now (asked of the topology),
 * recorded as an event; any other target as written.
 */
async function resolveRoleTarget(
  target: string,
  ctx: FaultRunnerContext,
): Promise<string | Omit<FaultExecution, 'plan'>> {
  if (!ROLE_TARGET.test(target)) return target;
  const skipped = (reason: string) => ({ status: 'skipped' as const, reason, targets: [] });
  if (!ctx.roles)
    return skipped(
      `no roles here: ${target} needs a replicated store (redis:sentinel, redis:cluster)`,
    );
  const name = await ctx.roles.resolveRole(target).catch(() => undefined);
  if (!name) return skipped(`the topology names no ${target} now`);
  ctx.events.record(name, 'role', `${target} when the fault fired`);
  return name;
}

/**
 * `app`: every app instance; `app<i>`, `node<i>`: one; `store` and `all`: whatever
 * holds the sessions (node0 / every node; for embedded stores, the app instances);
 * `random`: one node (or app instance), drawn from the seed.
 */
function resolveTargets(
  target: string,
  all: Map<string, FaultTarget>,
  random: () => number,
): FaultTarget[] {
  const apps = [...all.values()].filter((t) => /^app\d+$/.test(t.name));
  const nodes = [...all.values()].filter((t) => /^node\d+$/.test(t.name));
  const holders = nodes.length ? nodes : apps;
  switch (target) {
    case 'app':
      return apps;
    case 'store':
      return nodes.length ? nodes.slice(0, 1) : apps;
    case 'all':
      return holders;
    case 'random':
      return holders.length ? [holders[Math.floor(random() * holders.length)]!] : [];
    default: {
      const one = all.get(target);
      return one ? [one] : [];
    }
  }
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
  // Asked before the fault starts, so the answer cannot be the failover's.
  const failover = ctx.roles ? await startFailoverWatch(ctx.roles, names, ctx) : undefined;
  const startedMs = ctx.measurements.now();
  failover?.from(startedMs);
  if (plan.action === 'pause') failover?.probe();
  if (isNetworkAction(plan.action)) failover?.probe({ elsewhere: true });
  const record: FaultExecution = {
    plan,
    status: 'done',
    targets: names,
    startedMs,
    auditIndex: ctx.audit.faultStarted(startedMs),
  };
  ctx.events.record(names.join(','), `fault ${plan.action}`);
  let counted: Promise<void> | undefined;
  // Called by the target between its stop and its start: throwing here keeps it stopped.
  const onDown = async () => {
    failover?.probe();
    counted ??= countLoggedIn(ctx, record);
    // A kill or restart with a duration keeps the target down that long (a lost node).
    if (plan.durationMs) await sleep(plan.durationMs, ctx.signal);
    throwIfInterrupted(ctx.signal, `while ${names.join(',')} was down: not started again`);
  };
  // Every target settles before the fault ends: none may still be starting during cleanup.
  // A network fault is in force once its toxic is set: users are counted from there.
  const onStarted = () => (counted ??= countLoggedIn(ctx, record));
  const outcomes = await Promise.allSettled(
    targets.map((t) =>
      isNetworkAction(plan.action)
        ? actOnLink(t, { ...plan, action: plan.action }, onStarted, ctx)
        : act(t, plan, onDown),
    ),
  );
  const failure = outcomes.find((o) => o.status === 'rejected');
  if (failure) {
    const error: unknown = failure.reason;
    // Interrupted mid-fault: the fault did happen (its losses count), it just did not end.
    if (!(error instanceof InterruptedError)) {
      record.status = error instanceof SkippedFault ? 'skipped' : 'failed';
    }
    record.reason = errorMessage(error);
  }
  await counted;
  failover?.ended();
  record.endedMs = ctx.measurements.now();
  ctx.audit.faultEnded(record.auditIndex!, record.endedMs);
  if (failover) {
    const figures = await failover.figures();
    // A fault that did not run caused no failover: its figures would read as one of ~0 ms.
    if (record.status !== 'skipped') record.failover = figures;
  }
  return record;
}

function act(target: FaultTarget, plan: FaultPlan, onDown: () => Promise<void>): Promise<void> {
  switch (plan.action) {
    case 'kill':
      return target.kill(onDown);
    case 'restart':
      return target.restart(onDown);
    case 'pause':
      return target.pause(plan.durationMs ?? 0);
    default:
      throw new Error(
        `${plan.action} is a network fault: it acts on a link, not on ${target.name}`,
      );
  }
}

function actOnLink(
  target: FaultTarget,
  plan: Parameters<typeof runNetworkFault>[1],
  onStarted: () => Promise<void>,
  ctx: FaultRunnerContext,
): Promise<void> {
  // A topology's front link stands between the app and it: `store` means that link.
  const front = plan.target === 'store' ? ctx.links?.get(FRONT_LINK) : undefined;
  const link = front ?? ctx.links?.get(target.name);
  if (!link) {
    return Promise.reject(
      new SkippedFault(
        ctx.roles
          ? `no peer link in front of ${target.name}: this topology forms without them, so no network fault reaches its nodes`
          : `no fault proxy in front of ${target.name}: a network fault needs a store link`,
      ),
    );
  }
  return runNetworkFault(link, plan, onStarted, ctx.signal);
}

async function countLoggedIn(ctx: FaultRunnerContext, record: FaultExecution): Promise<void> {
  let settled = false;
  await Promise.race([ctx.driver.settle().then(() => (settled = true)), sleep(SETTLE_WAIT_MS)]);
  // Users lost at an earlier fault but not yet back to notice are not at risk here.
  record.loggedInUsersAtFault = ctx.audit.countPopulation(
    record.auditIndex!,
    ctx.audit.lastFaultEndMs(),
  );
  record.unsettledAtFault = settled ? 0 : ctx.driver.inFlightCount();
}
