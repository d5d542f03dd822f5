import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session, SessionStore } from '../backends/sessionStore.js';
import { SESSION_COOKIE, newSessionId } from '../backends/sessionToken.js';
import { loginUserId, sessionPayload } from './httpContract.js';

/**
 * The web app under test. Endpoints:
 *   POST /login?u=<userId>  new session, Set-Cookie, {"u","c"}
 *   GET  /page              read the session: 200 {"u","c"} or 401
 *   POST /update            counter + 1, written back, acknowledged value in the body
 *   POST /logout            destroys the session
 *   GET  /health            200 without touching the store
 * 401 means the store answered "no such session"; a store that fails or is slow gives 503.
 */
class StoreTimeout extends Error {}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
type Deadline = <T>(operation: Promise<T>) => Promise<T>;

export function createSessionHandler(
  store: SessionStore,
  options: { payloadBytes: number; storeTimeoutMs: number },
) {
  const payload = sessionPayload(options.payloadBytes);
  const routes = sessionRoutes(store, payload, storeDeadline(options.storeTimeoutMs));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    // Drain any request body so keep-alive connections stay usable.
    req.resume();
    if (!route) return send(res, 404, { error: 'no such endpoint' });
    try {
      await route(req, res);
    } catch (error) {
      const reason =
        error instanceof StoreTimeout ? 'store timeout' : `store error: ${String(error)}`;
      send(res, 503, { error: reason });
    }
  };
}

/** A store call that takes longer than `timeoutMs` fails (the app answers 503). */
function storeDeadline(timeoutMs: number): Deadline {
  // On every request's path: one promise and one timer, nothing more.
  return <T>(operation: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreTimeout('store timed out')), timeoutMs);
      operation.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
}

function sessionRoutes(store: SessionStore, payload: string, withTimeout: Deadline) {
  const loadSession = async (req: IncomingMessage): Promise<Session | null> => {
    const token = cookieToken(req);
    return token ? withTimeout(store.get(token)) : null;
  };
  const routes: Record<string, Route> = {
    'POST /login': async (req, res) => {
      const userId = loginUserId(req.url);
      if (userId === undefined) return send(res, 400, { error: 'bad user id' });
      const session: Session = { id: newSessionId(), userId, counter: 0, payload };
      const token = await withTimeout(store.set(session));
      send(res, 200, { u: userId, c: 0 }, token);
    },
    'GET /page': async (req, res) => {
      const session = await loadSession(req);
      if (!session) return notLoggedIn(res);
      send(res, 200, { u: session.userId, c: session.counter });
    },
    'POST /update': async (req, res) => {
      const session = await loadSession(req);
      if (!session) return notLoggedIn(res);
      session.counter += 1;
      const token = await withTimeout(store.set(session));
      // Server-side stores keep the id: the cookie is sent again only when it changed.
      const changed = token === cookieToken(req) ? undefined : token;
      send(res, 200, { u: session.userId, c: session.counter }, changed);
    },
    'POST /logout': async (req, res) => {
      const token = cookieToken(req);
      const session = token ? await withTimeout(store.get(token)) : null;
      if (!token || !session) return notLoggedIn(res);
      await withTimeout(store.destroy(token));
      send(res, 200, { u: session.userId, c: session.counter }, '');
    },
    'GET /health': async (_req, res) => send(res, 200, { ok: true }),
  };
  return routes;
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function notLoggedIn(res: ServerResponse): void {
  send(res, 401, { error: 'not logged in' });
}

/** `token` undefined: no cookie change; '' clears the cookie; otherwise sets it. */
function send(res: ServerResponse, status: number, body: object, token?: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (token !== undefined) {
    headers['set-cookie'] =
      token === ''
        ? `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`
        : `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`;
  }
  res.writeHead(status, headers);
  res.end(text);
}
