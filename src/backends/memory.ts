import type { Backend } from './backend.js';
import type { CreateStore, Session, SessionStore } from './sessionStore.js';

export const memoryBackend: Backend = {
  name: 'memory',
  kind: 'embedded',
  variants: [
    {
      id: 'memory',
      description: 'a Map inside the app process, with TTL; gone when the app restarts',
    },
  ],
  storeModule: new URL(import.meta.url),
};

class MemoryStore implements SessionStore {
  private readonly sessions = new Map<string, { session: Session; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly ttlMs: number) {
    // Expired entries are removed lazily on read and by a slow sweep, as session libraries do.
    this.sweeper = setInterval(() => this.removeExpired(), 60_000).unref();
  }

  async get(token: string): Promise<Session | null> {
    const entry = this.sessions.get(token);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.sessions.delete(token);
      return null;
    }
    return { ...entry.session };
  }

  async set(session: Session): Promise<string> {
    this.sessions.set(session.id, { session: { ...session }, expiresAt: Date.now() + this.ttlMs });
    return session.id;
  }

  async destroy(token: string): Promise<void> {
    this.sessions.delete(token);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private removeExpired(): void {
    const now = Date.now();
    for (const [id, entry] of this.sessions) if (entry.expiresAt <= now) this.sessions.delete(id);
  }
}

const createStore: CreateStore = async (options) => new MemoryStore(options.ttlMs);
export default createStore;
