import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaultProxy, type NetworkLink } from '../../src/network/faultProxy.js';
import { ProxyLink } from '../../src/network/proxyLink.js';
import { isAlive } from '../../src/lifecycle/processTree.js';
import { listening } from '../helpers/ports.js';

/** An echo server on 127.0.0.1: what the proxy forwards to. */
let echo: net.Server;
let upstream: string;
let proxy: FaultProxy;
let link: NetworkLink;

beforeAll(async () => {
  echo = net.createServer((socket) => {
    socket.on('error', () => {}); // a reset reaches the echo server too
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  upstream = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
  proxy = await FaultProxy.start([{ name: 'node0', upstream }]);
  link = proxy.links.get('node0')!;
});

afterAll(async () => {
  await proxy?.stop();
  echo?.close();
});

const portOf = (endpoint: string) => Number(endpoint.split(':')[1]);

function connect(endpoint = link.endpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(portOf(endpoint), '127.0.0.1', () => resolve(socket));
    socket.setMaxListeners(0); // one error listener per round trip
    socket.once('error', reject);
  });
}

/** Sends `bytes` and resolves with what comes back once `expected` bytes (as many) arrived. */
function roundTrip(socket: net.Socket, bytes: Buffer, expected = bytes.length): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= expected) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(bytes);
  });
}

describe('fault proxy', () => {
  it('passes bytes unchanged: 200 fuzzed messages of 1 B to 256 KB, also under jitter', async () => {
    const socket = await connect();
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(1 + Math.floor(Math.random() ** 3 * 256 * 1024));
      expect((await roundTrip(socket, bytes)).equals(bytes)).toBe(true);
    }
    await link.set({ kind: 'latency', latencyMs: 5, jitterMs: 5, stream: 'both' });
    for (let i = 0; i < 30; i++) {
      const bytes = randomBytes(1 + Math.floor(Math.random() * 64 * 1024));
      expect((await roundTrip(socket, bytes)).equals(bytes)).toBe(true);
    }
    await link.clear();
    socket.destroy();
  });

  it('Nagle is off on both sides: two small writes each way cost no delayed-ACK wait', async () => {
    // The node answers every 2 bytes with 2 one-byte writes; the client sends 2 one-byte
    // writes. With Nagle on either proxy socket the second byte waits for the ACK of the
    // first, which the peer delays (40 ms on Linux): 60 exchanges took 0.6-1.4 s, 8 ms without.
    const twoPart = net.createServer({ noDelay: true }, (socket) => {
      let got = 0;
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        for (got += chunk.length; got >= 2; got -= 2) {
          socket.write('a');
          setImmediate(() => socket.write('b'));
        }
      });
    });
    await new Promise<void>((resolve) => twoPart.listen(0, '127.0.0.1', resolve));
    const to = `127.0.0.1:${(twoPart.address() as net.AddressInfo).port}`;
    const own = await FaultProxy.start([{ name: 'node0', upstream: to }]);
    try {
      const socket = await connect(own.links.get('node0')!.endpoint);
      socket.setNoDelay(true);
      const t = performance.now();
      for (let i = 0; i < 60; i++) {
        const answered = roundTrip(socket, Buffer.from('x'), 2);
        setImmediate(() => socket.write('y'));
        await answered;
      }
      expect(performance.now() - t).toBeLessThan(200);
      socket.destroy();
    } finally {
      await own.stop();
      twoPart.close();
    }
  });

  it('without a toxic a chunk is forwarded at once: no queue, no clock, no timer, also once a toxic is cleared', async () => {
    const inProcess = new ProxyLink({ name: 'node0', upstream });
    const socket = await connect(`127.0.0.1:${await inProcess.listen()}`);
    // A chunk that goes through the toxic path reads the clock (its due time) and may set a timer.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const clock = vi.spyOn(performance, 'now');
    const work = () => timers.mock.calls.length + clock.mock.calls.length;
    try {
      for (let i = 0; i < 20; i++) await roundTrip(socket, randomBytes(512));
      expect(work()).toBe(0);
      await inProcess.set({ kind: 'latency', latencyMs: 5, jitterMs: 0, stream: 'downstream' });
      await roundTrip(socket, randomBytes(512));
      expect(work()).toBeGreaterThan(0); // the toxic's work, while it is in force
      await inProcess.clear();
      timers.mockClear();
      clock.mockClear();
      for (let i = 0; i < 20; i++) await roundTrip(socket, randomBytes(512));
      expect(work()).toBe(0);
    } finally {
      timers.mockRestore();
      clock.mockRestore();
      socket.destroy();
      await inProcess.close();
    }
  });

  it('latency adds its delay to each answer, and nothing once cleared', async () => {
    const socket = await connect();
    await link.set({ kind: 'latency', latencyMs: 200, jitterMs: 0, stream: 'downstream' });
    let t = performance.now();
    await roundTrip(socket, Buffer.from('ping'));
    expect(performance.now() - t).toBeGreaterThanOrEqual(199);
    await link.clear();
    t = performance.now();
    await roundTrip(socket, Buffer.from('ping'));
    expect(performance.now() - t).toBeLessThan(150);
    socket.destroy();
  });

  it('upstream latency delays what reaches the node; downstream latency does not', async () => {
    const arrivals: number[] = [];
    const recorder = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', (chunk) => (arrivals.push(performance.now()), socket.write(chunk)));
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const to = `127.0.0.1:${(recorder.address() as net.AddressInfo).port}`;
    const own = await FaultProxy.start([{ name: 'node0', upstream: to }]);
    const ownLink = own.links.get('node0')!;
    try {
      const socket = await connect(ownLink.endpoint);
      for (const stream of ['upstream', 'downstream'] as const) {
        await ownLink.set({ kind: 'latency', latencyMs: 200, jitterMs: 0, stream });
        const sentMs = performance.now();
        await roundTrip(socket, Buffer.from(stream));
        const reachedMs = arrivals.at(-1)! - sentMs;
        if (stream === 'upstream') expect(reachedMs).toBeGreaterThanOrEqual(199);
        else expect(reachedMs).toBeLessThan(100);
        expect(performance.now() - sentMs).toBeGreaterThanOrEqual(199);
      }
      socket.destroy();
    } finally {
      await own.stop();
      recorder.close();
    }
  });

  it('partition accepts and holds: nothing arrives during it, everything after', async () => {
    const kept = await connect();
    await link.set({ kind: 'partition' });
    const fresh = await connect(); // accepted although partitioned
    const answers = [
      roundTrip(kept, Buffer.from('held-1')),
      roundTrip(fresh, Buffer.from('held-2')),
    ];
    let arrived = false;
    void Promise.all(answers).then(() => (arrived = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(arrived).toBe(false);
    await link.clear();
    const [one, two] = await Promise.all(answers);
    expect(one!.toString()).toBe('held-1');
    expect(two!.toString()).toBe('held-2');
    kept.destroy();
    fresh.destroy();
  });

  it('reset sends an RST to every open connection; a new one works', async () => {
    const socket = await connect();
    const failed = new Promise<string | undefined>((resolve) =>
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code)),
    );
    expect(await link.reset()).toBeGreaterThanOrEqual(1);
    expect(await failed).toBe('ECONNRESET');
    const again = await connect();
    expect((await roundTrip(again, Buffer.from('ok'))).toString()).toBe('ok');
    again.destroy();
  });

  it('retarget moves a link like a virtual IP: open connections get an RST, new ones reach the other node', async () => {
    // A second server that answers with its own mark: where a connection lands shows.
    const other = net.createServer((s) => s.on('error', () => {}).end('other'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherEndpoint = `127.0.0.1:${(other.address() as net.AddressInfo).port}`;
    try {
      const socket = await connect();
      expect((await roundTrip(socket, Buffer.from('echo'))).toString()).toBe('echo');
      const failed = new Promise<string | undefined>((resolve) =>
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code)),
      );
      expect(await link.retarget(otherEndpoint)).toBeGreaterThanOrEqual(1);
      expect(await failed).toBe('ECONNRESET');
      const moved = await connect();
      expect((await roundTrip(moved, Buffer.from('?'), 5)).toString()).toBe('other');
      moved.destroy();
    } finally {
      await link.retarget(upstream);
      other.close();
    }
    const back = await connect();
    expect((await roundTrip(back, Buffer.from('back'))).toString()).toBe('back');
    back.destroy();
  });

  it('down refuses new connections and closes open ones, then serves on the same port', async () => {
    const socket = await connect();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await link.set({ kind: 'down' });
    await closed;
    await expect(connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await link.clear();
    const again = await connect();
    expect((await roundTrip(again, Buffer.from('back'))).toString()).toBe('back');
    again.destroy();
  });

  it('bandwidth holds answers to the rate', async () => {
    const socket = await connect();
    await link.set({ kind: 'bandwidth', rateBytesPerS: 64 * 1024, stream: 'downstream' });
    const t = performance.now();
    await roundTrip(socket, randomBytes(32 * 1024));
    const tookMs = performance.now() - t;
    await link.clear();
    socket.destroy();
    expect(tookMs).toBeGreaterThan(400); // 32 KB at 64 KB/s: 500 ms
    expect(tookMs).toBeLessThan(1500);
  });

  it('a cleared bandwidth fault releases its backlog at once, not at the throttled rate', async () => {
    const socket = await connect();
    await link.set({ kind: 'bandwidth', rateBytesPerS: 16 * 1024, stream: 'downstream' });
    // 256 KB at 16 KB/s would take 16 s; the fault is cleared after 300 ms.
    const answered = roundTrip(socket, randomBytes(256 * 1024));
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    await link.clear();
    await answered;
    socket.destroy();
    expect(performance.now() - t).toBeLessThan(3_000);
  });

  it('a link serves again after a down, whatever toxic came between', async () => {
    await link.set({ kind: 'down' });
    await link.set({ kind: 'latency', latencyMs: 10, jitterMs: 0, stream: 'downstream' });
    await link.clear();
    const again = await connect();
    expect((await roundTrip(again, Buffer.from('up'))).toString()).toBe('up');
    again.destroy();
  });

  it('reports an unplanned death, and not a stop', async () => {
    const deaths: string[] = [];
    const dying = await FaultProxy.start([{ name: 'node0', upstream }], (d) => deaths.push(d));
    process.kill(dying.pid!, 'SIGKILL');
    for (let i = 0; i < 50 && deaths.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(deaths).toEqual(['SIGKILL']);
    const stopped = await FaultProxy.start([{ name: 'node0', upstream }], (d) => deaths.push(d));
    await stopped.stop();
    expect(deaths).toEqual(['SIGKILL']);
  });

  it('stops with its owner: stop() closes the listener, and a SIGKILLed owner takes it along', async () => {
    const other = await FaultProxy.start([{ name: 'node0', upstream }]);
    const port = portOf(other.links.get('node0')!.endpoint);
    expect(await listening(port)).toBe(true);
    await other.stop();
    expect(await listening(port)).toBe(false);

    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/proxyOwner.ts', upstream],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve) =>
      owner.stdout.once('data', (d) => resolve(String(d))),
    );
    const { pid, endpoint } = JSON.parse(line) as { pid: number; endpoint: string };
    expect(await listening(portOf(endpoint))).toBe(true);
    owner.kill('SIGKILL');
    const gone = async () => {
      // A zombie (exited, not yet reaped where no init reaps) counts as gone.
      for (let i = 0; i < 50; i++) {
        if (!isAlive(pid)) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    expect(await gone()).toBe(true);
    expect(await listening(portOf(endpoint))).toBe(false);
  });
});
