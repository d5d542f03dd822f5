import { sleep } from '../lifecycle/sleep.js';
import type { AppClient, Reply } from '../load/appClient.js';
import { forEachUser } from '../load/forEachUser.js';
import { Ledger, UserFlag } from '../load/ledger.js';
import type { Action } from '../load/workload.js';
import type { Audit } from './audit.js';

const CONCURRENCY = 32;
const ATTEMPTS = 4;
const RETRY_PAUSE_MS = 500;

/**
 * After the load: re-reads every logged-in user's session (a missing one is a
 * logged-out user, an older counter a lost update) and replays every revoked
 * cookie (accepted means resurrected). Answers that keep failing leave the user
 * unverified, counted as such, never guessed.
 */
export async function finalSweep(
  client: AppClient,
  ledger: Ledger,
  audit: Audit,
  signal: AbortSignal,
): Promise<void> {
  const ask = async (user: number, action: Action, token: string): Promise<void> => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const reply: Reply | Error = await client.send(action, user, token).catch((e: Error) => e);
      if (!(reply instanceof Error) && reply.status < 500) {
        audit.check(user, action, reply, false);
        return;
      }
      if (signal.aborted) return;
      await sleep(RETRY_PAUSE_MS);
    }
    audit.counts.unverifiedUsers++;
  };
  await forEachUser(ledger.users, CONCURRENCY, signal, async (user) => {
    if (ledger.has(user, UserFlag.LoggedIn)) await ask(user, 'read', ledger.token.get(user));
    if (ledger.has(user, UserFlag.HasRevoked) && !ledger.has(user, UserFlag.CountedResurrected)) {
      await ask(user, 'replay', ledger.revokedToken.get(user));
    }
  });
}
