import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Audit } from '../../../src/audit/audit.js';
import { finalSweep } from '../../../src/audit/finalSweep.js';
import { InterruptedError } from '../../../src/errors.js';
import { AppClient } from '../../../src/load/appClient.js';
import { Ledger, UserFlag } from '../../../src/load/ledger.js';

let server: http.Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

/** A real HTTP server on 127.0.0.1 that answers every request with `status`. */
async function appAnswering(status: number, delayMs = 0): Promise<AppClient> {
  server = http.createServer((req, res) => {
    setTimeout(() => res.writeHead(status).end(status === 200 ? '{"u":0,"c":0}' : ''), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new AppClient([`http://127.0.0.1:${port}`], 1_000, { max: 64, warm: 64, growAfterMs: 0 });
}

/** `users` users logged in, each also holding a revoked session to replay. */
function ledgerOf(users: number): { ledger: Ledger; audit: Audit } {
  const ledger = new Ledger(users);
  for (let u = 0; u < users; u++) {
    ledger.set(u, UserFlag.LoggedIn | UserFlag.HasRevoked);
    ledger.token.set(u, 'a'.repeat(32));
    ledger.revokedToken.set(u, 'b'.repeat(32));
  }
  return { ledger, audit: new Audit(ledger) };
}

describe('finalSweep', () => {
  it('counts a user it cannot check once, though both its session and its replay failed', async () => {
    const client = await appAnswering(503);
    const { ledger, audit } = ledgerOf(3);
    await finalSweep(client, ledger, audit, new AbortController().signal);
    client.close();
    expect(audit.counts.unverifiedUsers).toBe(3);
  }, 10_000);

  it('retries 32 users at once without a listener-leak warning, and leaves none on the run signal', async () => {
    const client = await appAnswering(503);
    const { ledger, audit } = ledgerOf(40);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const run = new AbortController();
    try {
      await finalSweep(client, ledger, audit, run.signal);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
      client.close();
    }
    expect(audit.counts.unverifiedUsers).toBe(40);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  }, 20_000);

  it('an interrupt ends the retry pauses at once', async () => {
    const client = await appAnswering(503);
    const { ledger, audit } = ledgerOf(3);
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 100);
    const startedMs = performance.now();
    await expect(finalSweep(client, ledger, audit, interrupt.signal)).rejects.toBeInstanceOf(
      InterruptedError,
    );
    client.close();
    // Its pauses are 500 ms: ended by the interrupt, not waited out.
    expect(performance.now() - startedMs).toBeLessThan(400);
    expect(audit.counts.unverifiedUsers).toBe(3);
  });

  it('interrupted, it throws InterruptedError and counts the users it did not reach', async () => {
    const client = await appAnswering(200, 50);
    const { ledger, audit } = ledgerOf(500);
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 120);
    await expect(finalSweep(client, ledger, audit, interrupt.signal)).rejects.toBeInstanceOf(
      InterruptedError,
    );
    client.close();
    // 32 at a time, 50 ms each: about 100 users checked in 120 ms, the rest unverified.
    expect(audit.counts.unverifiedUsers).toBeGreaterThan(300);
    expect(audit.counts.unverifiedUsers).toBeLessThanOrEqual(500);
  });
});
