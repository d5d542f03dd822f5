import { expect } from 'vitest';
import { findBinary } from '../../src/providers/process.js';
import { readProcess } from '../../src/providers/processLeftovers.js';
import type { VariantResult } from '../../src/result/result.js';

/**
 * Binaries a test file needs that are not installed here. Outside CI such files are
 * skipped; in CI (process.env.CI set) they run anyway and fail, since CI installs
 * the servers with .ci/setup-servers.sh and a skipped server test proves nothing.
 */
export async function missingServers(binaries: string[][]): Promise<string[]> {
  const missing: string[] = [];
  for (const names of binaries) {
    if (!(await findBinary(names))) missing.push(names.join(' or '));
  }
  return missing;
}

const announced = new Set<string>();

/**
 * Whether to skip: servers are missing and this is not CI. A skip says why on
 * stderr (once per reason, as the Docker helper does), so a silent pass is never
 * mistaken for a tested one.
 */
export function skipServerTests(missing: string[]): boolean {
  const skip = missing.length > 0 && !process.env.CI;
  const reason = `skipping: these tests need ${missing.join(', ')} on PATH (install with .ci/setup-servers.sh; with CI set they run and fail instead)`;
  if (skip && !announced.has(reason)) {
    announced.add(reason);
    process.stderr.write(`${reason}\n`);
  }
  return skip;
}

/** Pids of every server process a variant started (initial starts and restarts). */
export function serverPids(result: VariantResult): number[] {
  return result.events
    .filter((e) => /^node\d+$/.test(e.target) && e.event === 'start')
    .map((e) => Number(/pid (\d+)/.exec(e.detail ?? '')?.[1]))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Pids of a started topology's nodes and companions (the process provider's children). */
export function memberPids(started: { nodes: object[]; companions?: object[] }): number[] {
  return [...started.nodes, ...(started.companions ?? [])]
    .map((member) => (member as { child?: { pid?: number } }).child?.pid)
    .filter((pid): pid is number => pid !== undefined);
}

/** A pid is gone when /proc has no such process (or only its zombie). */
export function isGone(pid: number): boolean {
  const info = readProcess(pid);
  return !info.cmdline || info.zombie === true;
}

/** Every server the variant started is gone, and it did start some. */
export function expectServersGone(result: VariantResult): void {
  const pids = serverPids(result);
  expect(pids.length, `${result.variant}: server starts in the event log`).toBeGreaterThan(0);
  for (const pid of pids)
    expect(isGone(pid), `${result.variant}: pid ${pid} still running`).toBe(true);
}

/**
 * Everyone logged in when the server died is logged out. `loggedInUsersAtFault` is
 * counted once the requests in flight have settled, up to 250 ms after the node went
 * down; a server back within that window already answers "no such session" to
 * requests sent after the kill, so those users are logged out before the count is
 * taken (and a user who logged in afresh on the restarted server is counted but not
 * lost). The count is therefore only exact to within the requests sent in that
 * window: about rate x 0.25 s. Run it without the users' own logouts
 * (runScenario's withoutLogouts): a logout answered 503 during the outage leaves
 * that user uncertain, never counted as lost.
 */
export function expectEveryoneLoggedOut(result: VariantResult, rateRps: number): void {
  const fault = result.faults[0]!;
  expect(fault.status, result.variant).toBe('done');
  const atFault = fault.loggedInUsersAtFault!;
  const lost = result.audit.loggedOutUsers;
  const window = Math.ceil(rateRps * 0.3) + (fault.unsettledAtFault ?? 0);
  const what = `${result.variant}: loggedOutUsers ${lost}, logged in at the fault ${atFault} (unsettled ${fault.unsettledAtFault})`;
  expect(lost, what).toBeGreaterThanOrEqual(atFault - 3);
  expect(lost, what).toBeLessThanOrEqual(atFault + window);
  // Nearly every user was logged in (warm-up logs all in, few log out on their own).
  expect(lost, what).toBeGreaterThanOrEqual(result.users.total * 0.85);
}

export function expectNobodyLost(result: VariantResult): void {
  expect(result.audit.loggedOutUsers, `${result.variant} loggedOutUsers`).toBe(0);
  expect(result.audit.loginWallHits, `${result.variant} loginWallHits`).toBe(0);
  expect(result.audit.lostUpdates, `${result.variant} lostUpdates`).toBe(0);
  expect(result.audit.unverifiedUsers, `${result.variant} unverifiedUsers`).toBe(0);
  expect(result.audit.wrongUserSessions, `${result.variant} wrongUserSessions`).toBe(0);
}

/** The load of every server test: a few seconds at a modest rate. */
export const RATE_RPS = 150;
export const SHORT_LOAD = {
  users: '300',
  rate: String(RATE_RPS),
  duration: '4s',
  provider: 'process',
};
