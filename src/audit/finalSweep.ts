import { setMaxListeners } from 'node:events';
import { InterruptedError } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import type { AppClient, Reply } from '../load/appClient.js';
import { forEachUser } from '../load/forEachUser.js';
import { Ledger, UserFlag } from '../load/ledger.js';
import type { Action } from '../load/workload.js';
import type { Audit } from './audit.js';

const CONCURRENCY = 32;
const ATTEMPTS = 4;
const RETRY_PAUSE_MS = 500;

/** Whether the sweep has something to check for this user. */
const needsCheck = (ledger: Ledger, user: number) =>
  ledger.has(user, UserFlag.LoggedIn) ||
  (ledger.has(user, UserFlag.HasRevoked) && !ledger.has(user, UserFlag.CountedResurrected));

/**
 * After the load: re-reads every logged-in user's session (a missing one is a
 * logged-out user, an older counter a lost update) and replays every revoked
 * cookie (accepted means resurrected). A user whose answers keep failing, or whom
 * an interrupt kept the sweep from reaching, is unverified: counted once, never
 * guessed. An interrupt ends the sweep with InterruptedError, the counts complete.
 */
export async function finalSweep(
  client: AppClient,
  ledger: Ledger,
  audit: Audit,
  signal: AbortSignal,
): Promise<void> {
  // Up to CONCURRENCY retry pauses wait at once. They listen on the sweep's own signal,
  // which follows the run's through one listener: Node warns of a leak past 10 on one.
  const pauses = new AbortController();
  setMaxListeners(CONCURRENCY, pauses.signal);
  const endPauses = () => pauses.abort();
  signal.addEventListener('abort', endPauses, { once: true });
  const ask = async (user: number, action: Action, token: string): Promise<boolean> => {
    for (let attempt = 1; attempt <= ATTEMPTS && !signal.aborted; attempt++) {
      const reply: Reply | Error = await client.send(action, user, token).catch((e: Error) => e);
      if (!(reply instanceof Error) && reply.status < 500) {
        audit.check(user, action, reply, false);
        return true;
      }
      if (attempt < ATTEMPTS) await sleep(RETRY_PAUSE_MS, pauses.signal);
    }
    return false;
  };
  const reached = new Uint8Array(ledger.users);
  const sweep = forEachUser(ledger.users, CONCURRENCY, signal, async (user) => {
    reached[user] = 1;
    let verified = true;
    if (ledger.has(user, UserFlag.LoggedIn)) {
      verified = await ask(user, 'read', ledger.token.get(user));
    }
    if (ledger.has(user, UserFlag.HasRevoked) && !ledger.has(user, UserFlag.CountedResurrected)) {
      verified = (await ask(user, 'replay', ledger.revokedToken.get(user))) && verified;
    }
    if (!verified) audit.counts.unverifiedUsers++;
  });
  await sweep.finally(() => signal.removeEventListener('abort', endPauses));
  if (!signal.aborted) return;
  for (let user = 0; user < ledger.users; user++) {
    if (!reached[user] && needsCheck(ledger, user)) audit.counts.unverifiedUsers++;
  }
  throw new InterruptedError('interrupted during the final sweep');
}
