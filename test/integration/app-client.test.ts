import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../src/app/appProcess.js';
import { AppClient, RequestNotSent, RequestTimeout } from '../../src/load/appClient.js';
import { startMemoryApp } from '../../bench/memoryRun.js';

/**
 * The load's HTTP client (undici's Pool) against a real app child: the cookie, the
 * timeout of a request the app never answers, a connection closed mid-request and a
 * refused connection give the outcomes the audit and the drivers rely on.
 */
describe('AppClient against a real app', () => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startMemoryApp();
  });
  afterAll(() => app.stop());

  it('takes the Set-Cookie token, sends it back, and reads a cleared cookie as ""', async () => {
    const client = new AppClient([app.url], 2_000, { max: 4, warm: 4, growAfterMs: 0 });
    let sent = 0;
    const login = await client.send('login', 7, undefined, () => sent++);
    expect(login).toEqual({ status: 200, userId: 7, counter: 0, token: expect.any(String) });
    const update = await client.send('update', 7, login.token);
    expect(update).toEqual({ status: 200, userId: 7, counter: 1 });
    const logout = await client.send('logout', 7, login.token);
    expect(logout.token).toBe('');
    expect((await client.send('replay', 7, login.token)).status).toBe(401);
    expect(sent).toBe(1);
    client.close();
  });

  it('a request still queued for a connection when its timeout fires was not sent', async () => {
    // One connection: the first request holds it (the app is paused), the second waits.
    const client = new AppClient([app.url], 300, { max: 1, warm: 1, growAfterMs: 0 });
    await client.send('login', 3, undefined);
    const paused = app.pause(1_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    let sent = 0;
    const [onWire, queued] = await Promise.all(
      [1, 2].map((n) => client.send('read', n, undefined, () => sent++).catch((e: Error) => e)),
    );
    expect(onWire).toBeInstanceOf(RequestTimeout);
    expect(queued).toBeInstanceOf(RequestNotSent);
    expect(sent).toBe(1);
    await paused;
    client.close();
  });

  it('an unanswered request times out; one whose connection closes fails at once', async () => {
    const client = new AppClient([app.url], 300, { max: 4, warm: 4, growAfterMs: 0 });
    const paused = app.pause(1_500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedMs = performance.now();
    const error = await client.send('read', 1, undefined).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RequestTimeout);
    expect(performance.now() - startedMs).toBeLessThan(1_000);
    await paused;
    client.close();

    const patient = new AppClient([app.url], 10_000, { max: 4, warm: 4, growAfterMs: 0 });
    await patient.send('login', 2, undefined);
    // Frozen, so the request is on the wire and unanswered when the app dies.
    process.kill(app.pid!, 'SIGSTOP');
    const inFlight = patient.send('read', 2, undefined).catch((e: Error) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const killedAtMs = performance.now();
    let closed: unknown;
    let refused: unknown;
    await app.kill(async () => {
      closed = await inFlight;
      refused = await patient.send('read', 2, undefined).catch((e: Error) => e);
    });
    expect(closed).toBeInstanceOf(Error);
    expect(closed).not.toBeInstanceOf(RequestTimeout);
    expect(performance.now() - killedAtMs).toBeLessThan(2_000);
    expect((refused as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    patient.close();
  });
});
