import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';
import { runKeyPrefix } from '../lifecycle/runNames.js';
import type { NodePlacement, RunData, ServerSpec } from './serverSpec.js';
import { hostPort, type Backend, type VariantInfo } from './backend.js';
import type { CreateStore, Session, SessionStore } from './sessionStore.js';
import { isSessionId } from './sessionToken.js';

/**
 * Persistence flags per variant. `redis` passes none: Redis's built-in defaults
 * (RDB snapshots with `save 3600 1 300 100 60 10000` in Redis 7, no AOF).
 */
export const REDIS_PERSISTENCE: Record<string, string[]> = {
  redis: [],
  'redis:none': ['--save', '', '--appendonly', 'no'],
  'redis:rdb': ['--save', '5 1', '--appendonly', 'no'],
  'redis:aof-everysec': ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
  'redis:aof-always': ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
};

const VARIANTS: VariantInfo[] = [
  {
    id: 'redis',
    description:
      "Redis's own defaults: RDB snapshots (save 3600 1 300 100 60 10000), no AOF; a crash loses writes since the last snapshot",
  },
  {
    id: 'redis:none',
    description: 'no persistence (save "", appendonly no): a restart empties it',
  },
  {
    id: 'redis:rdb',
    description:
      'RDB snapshot every 5 s when at least 1 key changed (save "5 1"), no AOF: a crash loses up to 5 s of writes',
  },
  {
    id: 'redis:aof-everysec',
    description:
      'append-only file fsynced once a second (appendfsync everysec), no RDB: a crash loses up to ~1 s',
  },
  {
    id: 'redis:aof-always',
    description: 'append-only file fsynced before every reply (appendfsync always), no RDB',
  },
];

export const redisBackend: Backend = {
  name: 'redis',
  kind: 'server',
  variants: VARIANTS,
  storeModule: new URL(import.meta.url),
  serverSpec: redisSpec,
};

function redisSpec(variant: string, options: { nodes: number }): ServerSpec {
  const persistence = REDIS_PERSISTENCE[variant];
  if (!persistence) throw new UsageError(`unknown redis variant ${variant}`);
  return {
    backend: 'redis',
    variant,
    nodes: options.nodes,
    binaries: ['redis-server'],
    args: (node) => redisArgs(node, persistence),
    ready: redisReady,
    versionArgs: ['--version'],
    parseVersion: parseRedisVersion,
    // SIGTERM is Redis's own shutdown path: it saves the RDB when save points are
    // configured and fsyncs the AOF before exiting.
    stopSignal: 'SIGTERM',
    settings: {},
    runData: REDIS_RUN_DATA,
  };
}

export function redisArgs(node: NodePlacement, persistence: string[]): string[] {
  const bind = node.bindAddress ?? '127.0.0.1';
  return [
    '--port',
    String(node.port),
    '--bind',
    bind,
    // Loopback clients only and no password: protected mode stays on as a safety net.
    // Inside a container's own network (bind 0.0.0.0, only 127.0.0.1 published on the
    // host) the clients arrive from the bridge, which protected mode would refuse.
    '--protected-mode',
    bind === '127.0.0.1' ? 'yes' : 'no',
    '--dir',
    node.dataDir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...persistence,
  ];
}

/** "Redis server v=7.0.15 sha=..." */
export function parseRedisVersion(output: string): { name: string; version: string } {
  const match = /^(\w+) server v=(\S+)/m.exec(output);
  return match ? { name: match[1]!, version: match[2]! } : { name: 'Redis', version: 'unknown' };
}

/** PING round trip; the ready check also waits until Redis has loaded its RDB/AOF. */
async function redisReady(endpoint: string): Promise<void> {
  const client = new Redis({
    ...hostPort(endpoint),
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  } finally {
    client.disconnect();
  }
}

/**
 * Client-side sharding over independent servers: a stable hash (FNV-1a, 32 bit) of
 * the session id picks the node, so every app process agrees without talking.
 */
export function shardOf(sessionId: string, nodes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    hash ^= sessionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % nodes;
}

/** Key prefix on a server the run started; a shared server gets one with the run id. */
const KEY_PREFIX = 'sess:';

/** In a Redis the user runs: keys `session-bench:<runId>:sess:<id>`, deleted at the end. */
const REDIS_RUN_DATA: RunData = {
  settings: (runId) => ({ keyPrefix: `${runKeyPrefix(runId)}${KEY_PREFIX}` }),
  remove: removeKeysWithPrefix,
};

/** Deletes every key under `settings.keyPrefix` on one node; SCAN, so Redis never blocks on it. */
async function removeKeysWithPrefix(
  endpoint: string,
  settings: Record<string, string>,
): Promise<string> {
  const prefix = settings.keyPrefix;
  if (!prefix) throw new Error('no key prefix: refusing to delete keys');
  const client = new Redis({
    ...hostPort(endpoint),
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await client.del(...keys);
    } while (cursor !== '0');
    return `removed ${removed} keys ${prefix}*`;
  } finally {
    client.disconnect();
  }
}

class RedisStore implements SessionStore {
  constructor(
    private readonly clients: Redis[],
    private readonly ttlMs: number,
    private readonly keyPrefix: string,
  ) {}

  private clientFor(id: string): Redis {
    return this.clients[shardOf(id, this.clients.length)]!;
  }

  async get(token: string): Promise<Session | null> {
    if (!isSessionId(token)) return null;
    const raw = await this.clientFor(token).get(this.keyPrefix + token);
    return raw === null ? null : (JSON.parse(raw) as Session);
  }

  async set(session: Session): Promise<string> {
    await this.clientFor(session.id).set(
      this.keyPrefix + session.id,
      JSON.stringify(session),
      'PX',
      this.ttlMs,
    );
    return session.id;
  }

  async destroy(token: string): Promise<void> {
    if (!isSessionId(token)) return;
    await this.clientFor(token).del(this.keyPrefix + token);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.clients.map((c) =>
        c.quit().catch(() => {
          c.disconnect();
        }),
      ),
    );
  }
}

function connect(endpoint: string): Redis {
  const client = new Redis({
    ...hostPort(endpoint),
    connectTimeout: 2_000,
    // While a node is down, a command waits in the offline queue for at most two
    // reconnect attempts, then fails: the app answers 503, never "not logged in".
    // (The app's own 2 s store timeout caps the wait anyway.)
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 50, 500),
    // Wait for a restarted Redis to finish loading its RDB/AOF before sending.
    enableReadyCheck: true,
  });
  // Failures reach the caller through the command's promise; an unheard 'error'
  // event would only print noise.
  client.on('error', () => {});
  return client;
}

const createStore: CreateStore = async (options) => {
  const endpoints = options.endpoints ?? [];
  if (endpoints.length === 0) throw new Error('redis store needs at least one endpoint');
  const keyPrefix = options.settings?.keyPrefix ?? KEY_PREFIX;
  return new RedisStore(endpoints.map(connect), options.ttlMs, keyPrefix);
};
export default createStore;
