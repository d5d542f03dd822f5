/**
 * What the app keeps per logged-in user. `payload` stands for the rest of a real
 * session (cart, CSRF token, preferences) and sets its size.
 */
export interface Session {
  /** 128-bit random id, hex. */
  id: string;
  userId: number;
  /** Incremented by every acknowledged update; the ledger checks it never goes back. */
  counter: number;
  payload: string;
}

/**
 * Where the app keeps sessions. Used only inside the app process.
 * A store that cannot answer throws; `null` means "no such session" and nothing else.
 */
export interface SessionStore {
  /** The session a client's cookie token names, or null when the store has none. */
  get(token: string): Promise<Session | null>;
  /** Persists the session; returns the token the client must send from now on. */
  set(session: Session): Promise<string>;
  destroy(token: string): Promise<void>;
  close(): Promise<void>;
}

/** Everything a store module needs, passed from the runner through the app's config. */
export interface StoreOptions {
  /** The variant, e.g. "disk:fsync". */
  variant: string;
  ttlMs: number;
  /** Secret fixed for the whole run (cookie signing). */
  secret: string;
  /** A folder the store may use (disk). */
  dataDir?: string;
  /** Server endpoints, e.g. ["127.0.0.1:6379"], one per node. */
  endpoints?: string[];
  /** Per-backend settings from the backend's server spec (credentials, database name). */
  settings?: Record<string, string>;
}

/** The default export of every store module. */
export type CreateStore = (options: StoreOptions) => Promise<SessionStore>;
