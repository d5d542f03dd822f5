import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../src/load/connectionPool.js';

/**
 * The open loop's connections (a local HTTP server counts them): the warm set is
 * opened up front, a busy pool makes a request wait before it opens another, and
 * every request is answered once.
 */
describe('ConnectionPool', () => {
  let server: http.Server;
  let url: string;
  const sockets = new Set<Socket>();
  let opened = 0;
  /** Answers wait for this before they are sent (the app "pauses"). */
  let hold: Promise<void> = Promise.resolve();

  beforeEach(async () => {
    opened = 0;
    hold = Promise.resolve();
    server = http.createServer((_req, res) => void hold.then(() => res.end('ok')));
    server.on('connection', (socket: Socket) => {
      opened++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** One GET; resolves with its status and when it was written (ms after `t0`). */
  function get(pool: ConnectionPool, t0: number): Promise<{ status: number; sentMs: number }> {
    return new Promise((resolve, reject) => {
      let status = 0;
      let sentMs = -1;
      const handler: Dispatcher.DispatchHandlers = {
        onConnect: () => void (sentMs = performance.now() - t0),
        onHeaders: (code) => ((status = code), true),
        onData: () => true,
        onComplete: () => resolve({ status, sentMs }),
        onError: reject,
      };
      pool.dispatch({ method: 'GET', path: '/' }, handler);
    });
  }

  it('opens the warm set at once, then reuses it', async () => {
    const pool = new ConnectionPool(url, { max: 64, warm: 8, growAfterMs: 100 });
    const t0 = performance.now();
    const first = await Promise.all(Array.from({ length: 8 }, () => get(pool, t0)));
    expect(first.every((r) => r.status === 200)).toBe(true);
    expect(opened).toBe(8);
    // Sequential requests afterwards go over the hot connections: nothing new opens.
    for (let i = 0; i < 20; i++) await get(pool, t0);
    expect(opened).toBe(8);
    await pool.destroy();
  });

  it('makes a request wait for a busy pool before it opens another, and answers all', async () => {
    const pool = new ConnectionPool(url, { max: 6, warm: 2, growAfterMs: 100 });
    const t0 = performance.now();
    await Promise.all([get(pool, t0), get(pool, t0)]);
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const t1 = performance.now();
    const replies = Array.from({ length: 10 }, () => get(pool, t1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Two busy, four more opened after the wait (the cap is 6), four still waiting.
    expect(opened).toBe(6);
    release();
    const answered = await Promise.all(replies);
    expect(answered.map((r) => r.status)).toEqual(Array(10).fill(200));
    const sent = answered.map((r) => r.sentMs).sort((a, b) => a - b);
    // The first two left at once (well within the wait); the next ones only after
    // waiting 100 ms for a connection (a busy machine can only make them later).
    expect(sent[1]).toBeLessThan(50);
    expect(sent[2]).toBeGreaterThanOrEqual(99);
    expect(opened).toBe(6);
    await pool.destroy();
  });

  it('once requests have waited, opens connections for all of them within a few ticks', async () => {
    const pool = new ConnectionPool(url, { max: 200, warm: 2, growAfterMs: 100 });
    const t0 = performance.now();
    await Promise.all([get(pool, t0), get(pool, t0)]);
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const t1 = performance.now();
    const replies = Array.from({ length: 120 }, () => get(pool, t0));
    while (opened < 120 && performance.now() - t1 < 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // 2 busy + 118 waiting: 32 at a time every 5 ms once 100 ms passed (all open after
    // ~120 ms), not 32 per 100 ms (which would take 500 ms).
    expect(opened).toBe(120);
    expect(performance.now() - t1).toBeLessThan(450);
    release();
    expect((await Promise.all(replies)).every((r) => r.status === 200)).toBe(true);
    await pool.destroy();
  });

  it('with a wait shorter than its timer tick (low rates), opens another at once, up to its cap', async () => {
    // 200 req/s gives a wait of 0.67 ms.
    const pool = new ConnectionPool(url, { max: 6, warm: 2, growAfterMs: 200 / 300 });
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const t0 = performance.now();
    const replies = Array.from({ length: 8 }, () => get(pool, t0));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(opened).toBe(6);
    const releasedMs = performance.now() - t0;
    release();
    const sent = (await Promise.all(replies)).map((r) => r.sentMs).sort((a, b) => a - b);
    // Six left while every answer was held; two waited for one of them to be answered.
    expect(sent[5]).toBeLessThan(releasedMs);
    expect(sent[6]).toBeGreaterThanOrEqual(releasedMs);
    await pool.destroy();
  });
});
