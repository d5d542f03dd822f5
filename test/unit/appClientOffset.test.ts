import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppClient } from '../../src/load/appClient.js';

/**
 * A shard's users are one population with the other shards' on the wire (the app
 * and store see ids from..to-1) and 0-based in its own ledger.
 */
describe('AppClient userOffset', () => {
  const seen: string[] = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const u = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('u'));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ u, c: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the global id and answers with the ledger one', async () => {
    const client = new AppClient([url], 2_000, { max: 4, warm: 4, growAfterMs: 0 }, 20);
    const reply = await client.send('login', 3, undefined);
    client.close();
    expect(seen.at(-1)).toBe('/login?u=23');
    expect(reply.userId).toBe(3);
  });

  it('changes nothing without an offset', async () => {
    const client = new AppClient([url], 2_000, { max: 4, warm: 4, growAfterMs: 0 });
    const reply = await client.send('login', 3, undefined);
    client.close();
    expect(seen.at(-1)).toBe('/login?u=3');
    expect(reply.userId).toBe(3);
  });
});
