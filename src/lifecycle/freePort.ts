import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port we pick; below it live well-known and registered services. */
const LOWEST_PORT = 10_000;
const ATTEMPTS = 50;
/** Ports handed out by this process: a port is free until its server binds it, so never twice. */
const handedOut = new Set<number>();

/**
 * The kernel's range for outgoing connections' local ports (Linux; elsewhere the
 * IANA default). A server port taken from it can, while its server is down for a
 * restart, become the local port of a client's reconnect (even a connect to itself),
 * and the server cannot start again: ours are picked below it.
 */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return low && Number.isInteger(low) ? low : 49_152;
  } catch {
    return 49_152;
  }
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

function handOut(port: number): number {
  handedOut.add(port);
  return port;
}

/**
 * A TCP port free on 127.0.0.1 right now: a random one between 10000 and the
 * ephemeral range, or, when there is no room below that range, one the OS picks.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  if (high - LOWEST_PORT >= 1000) {
    for (let i = 0; i < ATTEMPTS; i++) {
      const port = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT + 1));
      if (handedOut.has(port)) continue;
      const bound = await tryListen(port);
      if (bound !== undefined) return handOut(bound);
    }
  }
  const picked = await tryListen(0);
  if (picked === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return handOut(picked);
}
