import type { Session, SessionStore } from './sessionStore.js';
import { isSessionId } from './sessionToken.js';

/** Expired rows are skipped on read and deleted now and then, as session stores do. */
const SWEEP_EVERY_MS = 60_000;

/**
 * What one SQL database needs to keep sessions in a table: its statements (with its
 * own placeholders and upsert), and how its driver runs them. The store logic is the
 * same for MySQL and PostgreSQL; only these differ.
 */
export interface SqlDialect {
  /** Reads the session of an id that has not expired; params from `getParams`. */
  get: string;
  /** Upsert of (id, session JSON, expiry). */
  set: string;
  destroy: string;
  /** Deletes expired rows; params from `sweepParams`. */
  sweep: string;
  getParams(id: string): unknown[];
  sweepParams(): unknown[];
  /** The expiry column's value for a session written now. */
  expiry(ttlMs: number): unknown;
  /** Runs one statement; the rows it returns (none for a write). */
  query(sql: string, params: unknown[]): Promise<unknown[]>;
  /** The session in a row returned by `get`. */
  sessionOf(row: unknown): Session;
  end(): Promise<void>;
}

export class SqlSessionStore implements SessionStore {
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly db: SqlDialect,
    private readonly ttlMs: number,
  ) {
    this.sweeper = setInterval(() => {
      db.query(db.sweep, db.sweepParams()).catch(() => {});
    }, SWEEP_EVERY_MS).unref();
  }

  async get(token: string): Promise<Session | null> {
    if (!isSessionId(token)) return null;
    const [row] = await this.db.query(this.db.get, this.db.getParams(token));
    return row ? this.db.sessionOf(row) : null;
  }

  async set(session: Session): Promise<string> {
    const values = [session.id, JSON.stringify(session), this.db.expiry(this.ttlMs)];
    await this.db.query(this.db.set, values);
    return session.id;
  }

  async destroy(token: string): Promise<void> {
    if (!isSessionId(token)) return;
    await this.db.query(this.db.destroy, [token]);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.db.end();
  }
}
