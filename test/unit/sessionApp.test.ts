import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionHandler } from '../../src/app/sessionApp.js';
import createMemoryStore from '../../src/backends/memory.js';

// The app's request handling on a real HTTP server, with the in-memory store.
describe('the session app', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    const store = await createMemoryStore({ variant: 'memory', ttlMs: 60_000, secret: 's' });
    const handler = createSessionHandler(store, { payloadBytes: 64, storeTimeoutMs: 1000 });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a login without a user id instead of logging in user 0', async () => {
    expect((await fetch(`${base}/login`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${base}/login?u=`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${base}/login?u=-1`, { method: 'POST' })).status).toBe(400);
  });

  it('logs in, reads, updates and logs out with an HttpOnly cookie', async () => {
    const login = await fetch(`${base}/login?u=7`, { method: 'POST' });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sid=[0-9a-f]{32}; Path=\/; HttpOnly/);
    const sid = cookie.split(';')[0]!;
    const update = await fetch(`${base}/update`, { method: 'POST', headers: { cookie: sid } });
    expect(await update.json()).toEqual({ u: 7, c: 1 });
    // The id did not change, so the cookie is not sent again.
    expect(update.headers.get('set-cookie')).toBeNull();
    expect(await (await fetch(`${base}/page`, { headers: { cookie: sid } })).json()).toEqual({
      u: 7,
      c: 1,
    });
    expect(
      (await fetch(`${base}/logout`, { method: 'POST', headers: { cookie: sid } })).status,
    ).toBe(200);
    expect((await fetch(`${base}/page`, { headers: { cookie: sid } })).status).toBe(401);
    expect((await fetch(`${base}/page`)).status).toBe(401);
  });
});
