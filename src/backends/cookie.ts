import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Backend } from './backend.js';
import type { CreateStore, Session, SessionStore } from './sessionStore.js';

export const cookieBackend: Backend = {
  name: 'cookie',
  kind: 'embedded',
  variants: [
    {
      id: 'cookie',
      description: 'stateless HMAC-SHA256 signed session in the cookie; logout cannot revoke it',
    },
  ],
  storeModule: new URL(import.meta.url),
};

interface CookieBody {
  i: string;
  u: number;
  c: number;
  p: string;
  /** Expiry, ms since the epoch: the only limit a stateless session has. */
  e: number;
}

/** The whole session travels in the cookie: `base64url(json).base64url(hmac)`. */
class SignedCookieStore implements SessionStore {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
  ) {}

  async get(token: string): Promise<Session | null> {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.sign(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CookieBody;
    if (decoded.e <= Date.now()) return null;
    return { id: decoded.i, userId: decoded.u, counter: decoded.c, payload: decoded.p };
  }

  async set(session: Session): Promise<string> {
    const body: CookieBody = {
      i: session.id,
      u: session.userId,
      c: session.counter,
      p: session.payload,
      e: Date.now() + this.ttlMs,
    };
    const encoded = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${encoded}.${this.sign(encoded).toString('base64url')}`;
  }

  /** Nothing to delete: the client holds the session, and a copy of it stays valid. */
  async destroy(): Promise<void> {}

  async close(): Promise<void> {}

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest();
  }
}

const createStore: CreateStore = async (options) =>
  new SignedCookieStore(options.secret, options.ttlMs);
export default createStore;
