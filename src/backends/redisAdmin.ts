import { Redis } from 'ioredis';
import { InterruptedError } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import type { Member } from './serverSpec.js';
import { hostPort } from './backend.js';

/** How often a topology's formation, its roles and the failover probe ask again. */
export const PROBE_INTERVAL_MS = 50;
/** One admin round trip may not take longer (a killed or paused member). */
const ADMIN_TIMEOUT_MS = 1_000;

/**
 * Runs `use` on a fresh connection to one member, closed afterwards: admin calls and
 * probes must never queue behind a dead connection or retry on their own.
 */
export async function withRedis<T>(
  endpoint: string,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = new Redis({
    ...hostPort(endpoint),
    lazyConnect: true,
    connectTimeout: ADMIN_TIMEOUT_MS,
    commandTimeout: ADMIN_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** The member listening on `port`, by name. */
export function memberAt(members: Member[], port: number | string): string | undefined {
  return members.find((m) => hostPort(m.endpoint).port === Number(port))?.name;
}

/** `INFO <section>` as field → value. */
export async function info(client: Redis, section: string): Promise<Record<string, string>> {
  const text = await client.info(section);
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Asks `check` every PROBE_INTERVAL_MS until it returns true; throws `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'not yet';
  for (;;) {
    if (signal.aborted) throw new InterruptedError(`interrupted while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last})`);
    }
    await sleep(PROBE_INTERVAL_MS, signal).catch(() => undefined);
  }
}

/** Resolves with the first non-undefined answer of `attempt`, tried every PROBE_INTERVAL_MS. */
export async function retryUntil<T>(
  signal: AbortSignal,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  for (;;) {
    if (signal.aborted) throw new InterruptedError('probe stopped');
    const answer = await attempt().catch(() => undefined);
    if (answer !== undefined) return answer;
    await sleep(PROBE_INTERVAL_MS, signal).catch(() => undefined);
  }
}

/** Node members sorted by index, names node0, node1, ... */
export function byIndex(members: Member[]): Member[] {
  return [...members].sort(
    (a, b) => Number(a.name.replace(/\D/g, '')) - Number(b.name.replace(/\D/g, '')),
  );
}

/**
 * ioredis's natMap for the app: the sentinels or the cluster name a node by its peer
 * link, the app goes to the node itself, so its traffic never crosses a peer link.
 */
export function directPaths(
  nodes: Member[],
  peers: Member[],
): Record<string, { host: string; port: number }> {
  const map: Record<string, { host: string; port: number }> = {};
  for (const peer of peers) {
    const node = nodes.find((n) => n.name === peer.name);
    if (node) map[peer.endpoint] = hostPort(node.endpoint);
  }
  return map;
}
