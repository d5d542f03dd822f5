import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Backend } from './backend.js';
import type { CreateStore, Session, SessionStore } from './sessionStore.js';
import { isSessionId } from './sessionToken.js';

export const diskBackend: Backend = {
  name: 'disk',
  kind: 'embedded',
  variants: [
    { id: 'disk', description: 'one file per session, temp file + rename, no fsync (PHP-style)' },
    {
      id: 'disk:fsync',
      description: 'as disk, with fsync of the file and its folder on every write',
    },
  ],
  storeModule: new URL(import.meta.url),
};

interface StoredSession {
  session: Session;
  expiresAt: number;
}

class DiskStore implements SessionStore {
  constructor(
    private readonly dir: string,
    private readonly ttlMs: number,
    private readonly fsync: boolean,
  ) {}

  async get(token: string): Promise<Session | null> {
    if (!isSessionId(token)) return null;
    let text: string;
    try {
      text = await readFile(this.fileOf(token), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const stored = JSON.parse(text) as StoredSession;
    return stored.expiresAt > Date.now() ? stored.session : null;
  }

  async set(session: Session): Promise<string> {
    const target = this.fileOf(session.id);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const body: StoredSession = { session, expiresAt: Date.now() + this.ttlMs };
    const file = await open(temp, 'w');
    try {
      await file.writeFile(JSON.stringify(body));
      if (this.fsync) await file.sync();
    } finally {
      await file.close();
    }
    // rename() is atomic: a reader sees the old or the new session, never half of one.
    await rename(temp, target);
    if (this.fsync) await this.syncDir();
    return session.id;
  }

  async destroy(token: string): Promise<void> {
    if (!isSessionId(token)) return;
    await unlink(this.fileOf(token)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async close(): Promise<void> {}

  private fileOf(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  /** A rename is durable only once its folder's entry is on disk too. */
  private async syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

const createStore: CreateStore = async (options) => {
  if (!options.dataDir) throw new Error('disk store needs a dataDir');
  return new DiskStore(options.dataDir, options.ttlMs, options.variant === 'disk:fsync');
};
export default createStore;
