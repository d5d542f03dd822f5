import { InterruptedError, RuntimeError, errorMessage } from '../errors.js';
import type { AppClient } from './appClient.js';
import { forEachUser } from './forEachUser.js';
import type { AnswerCheck } from './loadDriver.js';
import { Outcome } from './requestLog.js';

const CONCURRENCY = 32;
const ATTEMPTS = 3;

/** Logs every virtual user in before the measured load starts; an interrupt ends it with InterruptedError. */
export async function warmUp(
  client: AppClient,
  audit: AnswerCheck,
  users: number,
  signal: AbortSignal,
): Promise<void> {
  let failed = 0;
  let lastProblem = '';
  await forEachUser(users, CONCURRENCY, signal, async (user) => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const reply = await client.send('login', user, undefined).catch((error: Error) => error);
      if (audit.check(user, 'login', reply, false) === Outcome.Ok) return;
      lastProblem = reply instanceof Error ? errorMessage(reply) : `HTTP ${reply.status}`;
    }
    failed++;
  });
  if (signal.aborted) throw new InterruptedError('interrupted during the warm-up');
  // A few failed logins are part of the story; most failing means the store is not working.
  if (failed > users * 0.01) {
    throw new RuntimeError(`warm-up: ${failed} of ${users} logins failed (last: ${lastProblem})`);
  }
}
