import { Redis } from 'ioredis';
import type { Member } from './serverSpec.js';
import { hostPort } from './backend.js';

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
