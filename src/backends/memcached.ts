import { createConnection } from 'node:net';
import path from 'node:path';
import memjs from 'memjs';
import { UsageError } from '../errors.js';
import { runKeyPrefix } from '../lifecycle/runNames.js';
import type { NodePlacement, RunData, ServerSpec } from './serverSpec.js';
import { hostPort, type Backend, type VariantInfo } from './backend.js';
import type { CreateStore, Session, SessionStore } from './sessionStore.js';
import { isSessionId } from './sessionToken.js';

const VARIANTS: VariantInfo[] = [
  {
    id: 'memcached',
    description: 'plain memcached (64 MB): any restart or crash forgets every session on that node',
  },
  {
    id: 'memcached:warm',
    description:
      'warm restart: items in a memory file on tmpfs (-e); a graceful restart (SIGUSR1) keeps them, a crash does not',
  },
];

/** Name of the warm-restart memory file inside the node's (tmpfs) run dir. */
const MEMORY_FILE = 'memory_file';

export const memcachedBackend: Backend = {
  name: 'memcached',
  kind: 'server',
  variants: VARIANTS,
  storeModule: new URL(import.meta.url),
  serverSpec: memcachedSpec,
};

function memcachedSpec(variant: string, options: { nodes: number }): ServerSpec {
  if (!VARIANTS.some((v) => v.id === variant)) {
    throw new UsageError(`unknown memcached variant ${variant}`);
  }
  const warm = variant === 'memcached:warm';
  return {
    backend: 'memcached',
    variant,
    nodes: options.nodes,
    binaries: ['memcached'],
    args: (node) => memcachedArgs(node, warm),
    runDirInMemory: warm,
    restartInNextSecond: warm,
    ready: memcachedReady,
    versionArgs: ['-V'],
    parseVersion: parseMemcachedVersion,
    // memcached documents SIGUSR1 as the graceful stop that saves a restartable
    // cache; plain memcached stops on SIGTERM.
    stopSignal: warm ? 'SIGUSR1' : 'SIGTERM',
    settings: {},
    runData: MEMCACHED_RUN_DATA,
  };
}

export function memcachedArgs(node: NodePlacement, warm: boolean): string[] {
  return [
    '-l',
    node.bindAddress ?? '127.0.0.1',
    '-p',
    String(node.port),
    // No UDP listener (the default in 1.6, said out loud).
    '-U',
    '0',
    '-m',
    '64',
    '-c',
    '1024',
    // Errors and warm-restart notes ("[restart] ...") go to the log tail.
    '-v',
    ...(node.runAsRoot ? ['-u', 'root'] : []),
    ...(warm ? ['-e', path.join(node.runDir, MEMORY_FILE)] : []),
  ];
}

/** "memcached 1.6.18" */
export function parseMemcachedVersion(output: string): { name: string; version: string } {
  const match = /memcached\s+(\S+)/i.exec(output);
  return { name: 'memcached', version: match?.[1] ?? 'unknown' };
}

/** A `version` round trip on the text protocol. */
export async function memcachedReady(endpoint: string): Promise<void> {
  // A close before the answer fails too: docker-proxy accepts and closes at once
  // while the server is not listening yet.
  const reply = await textRoundTrip(endpoint, 'version\r\n', (r) => r.includes('\r\n'), 1_000);
  if (!reply.startsWith('VERSION ')) {
    throw new Error(`version answered ${JSON.stringify(reply.trim())}`);
  }
}

/** Key prefix on a server the run started; a shared server gets one with the run id. */
const KEY_PREFIX = 'sess:';

export function memcachedKey(sessionId: string, prefix = KEY_PREFIX): string {
  return prefix + sessionId;
}

/** In a memcached the user runs: keys `session-bench:<runId>:sess:<id>`, deleted at the end. */
const MEMCACHED_RUN_DATA: RunData = {
  settings: (runId) => ({ keyPrefix: `${runKeyPrefix(runId)}${KEY_PREFIX}` }),
  remove: removeKeysWithPrefix,
};

/** Passes of list-and-delete before giving up on a node. */
const REMOVE_PASSES = 5;

/**
 * Deletes every key under `settings.keyPrefix` on one node. memcached has no key
 * search: `lru_crawler metadump` lists every key, and those with the prefix are
 * deleted. It walks the hash table where it can (1.6: `metadump hash`); the older
 * `metadump all` walks the LRUs and can miss items the LRU maintainer is moving (those
 * the final sweep just read), so the listing repeats until nothing of the run is left.
 */
async function removeKeysWithPrefix(
  endpoint: string,
  settings: Record<string, string>,
): Promise<string> {
  const prefix = settings.keyPrefix;
  if (!prefix) throw new Error('no key prefix: refusing to delete keys');
  let removed = 0;
  for (let pass = 0; pass < REMOVE_PASSES; pass++) {
    const keys = (await listKeys(endpoint)).filter((key) => key.startsWith(prefix));
    if (keys.length === 0) return `removed ${removed} keys ${prefix}*`;
    const replies = await textRoundTrip(
      endpoint,
      keys.map((key) => `delete ${key}\r\n`).join(''),
      (reply) => reply.split('\r\n').length > keys.length,
    );
    removed += replies.split('\r\n').filter((line) => line === 'DELETED').length;
  }
  throw new Error(
    `keys ${prefix}* still listed after ${REMOVE_PASSES} passes (${removed} removed)`,
  );
}

/** Every key on the node; throws when the node cannot list them (crawler off, too old). */
async function listKeys(endpoint: string): Promise<string[]> {
  let answer = '';
  for (const walk of ['hash', 'all']) {
    const dump = await textRoundTrip(endpoint, `lru_crawler metadump ${walk}\r\n`, (reply) =>
      // Key lines end in \n alone, the last line in \r\n.
      /(^|\n)(END|(ERROR|CLIENT_ERROR|SERVER_ERROR|BUSY)[^\r\n]*)\r\n$/.test(reply),
    );
    answer = dump.trimEnd().split(/\r?\n/).pop() ?? '';
    if (answer === 'END') {
      return [...dump.matchAll(/^key=(\S+)/gm)].map((m) => decodeURIComponent(m[1]!));
    }
  }
  throw new Error(
    `cannot list its keys (lru_crawler metadump answered ${JSON.stringify(answer)}); the run's keys expire with their TTL`,
  );
}

/** Sends text-protocol commands and collects the reply until `complete` says it is whole. */
function textRoundTrip(
  endpoint: string,
  request: string,
  complete: (reply: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(hostPort(endpoint));
    let reply = '';
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no full answer within ${timeoutMs} ms`)));
    socket.on('error', finish);
    socket.on('close', () => finish(new Error('closed before answering')));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (complete(reply)) finish();
    });
  });
}

/**
 * memjs options. `failover` stays off: with it, a dead node's keys go to the next
 * node, where a get finds nothing and the user looks logged out while the session
 * is only unreachable. Without it, a failed operation rejects (the app answers 503).
 */
export const MEMJS_OPTIONS = {
  failover: false,
  // memjs counts the first attempt: 2 means one retry, 200 ms later.
  retries: 2,
  retry_delay: 0.2,
  timeout: 0.5,
  conntimeout: 1,
  keepAlive: true,
  logger: { log: () => {} },
};

/** The node index memjs's own key distribution picks for a session id. */
export function memcachedNodeOf(sessionId: string, endpoints: string[]): number {
  if (endpoints.length <= 1) return 0;
  const client = memjs.Client.create(endpoints.join(','), MEMJS_OPTIONS);
  // @types/memjs says string; memjs returns the index (hashCode(key) % servers).
  return Number(client.getServer(memcachedKey(sessionId)));
}

class MemcachedStore implements SessionStore {
  private readonly expiresS: number;

  constructor(
    private readonly client: memjs.Client,
    ttlMs: number,
    private readonly keyPrefix: string,
  ) {
    // memcached reads more than 30 days as a Unix time; session TTLs are far below.
    this.expiresS = Math.max(1, Math.ceil(ttlMs / 1000));
  }

  async get(token: string): Promise<Session | null> {
    if (!isSessionId(token)) return null;
    const { value } = await this.client.get(memcachedKey(token, this.keyPrefix));
    return value === null ? null : (JSON.parse(value.toString('utf8')) as Session);
  }

  async set(session: Session): Promise<string> {
    const key = memcachedKey(session.id, this.keyPrefix);
    const stored = await this.client.set(key, JSON.stringify(session), {
      expires: this.expiresS,
    });
    if (!stored) throw new Error('memcached did not store the session');
    return session.id;
  }

  async destroy(token: string): Promise<void> {
    if (!isSessionId(token)) return;
    // false: there was nothing to delete, which is what destroy wants.
    await this.client.delete(memcachedKey(token, this.keyPrefix));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

const createStore: CreateStore = async (options) => {
  const endpoints = options.endpoints ?? [];
  if (endpoints.length === 0) throw new Error('memcached store needs at least one endpoint');
  const client = memjs.Client.create(endpoints.join(','), MEMJS_OPTIONS);
  return new MemcachedStore(client, options.ttlMs, options.settings?.keyPrefix ?? KEY_PREFIX);
};
export default createStore;
