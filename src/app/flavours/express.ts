import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { backendNameOf } from '../../backends/backend.js';
import { SESSION_COOKIE } from '../../backends/sessionToken.js';
import { middlewareOptions } from '../../config/appFlavour.js';
import type { AppConfig } from '../appConfig.js';
import { ANSWERS, loginUserId, sessionPayload, storeErrorAnswer } from '../httpContract.js';
import type { AppServer } from './appServer.js';
import type { SessionLayer } from './expressSessionLayer.js';
import { cookieSessionLayer } from './expressCookie.js';
import { buildStore } from './storePackages.js';

declare module 'express-session' {
  interface SessionData {
    u: number;
    c: number;
    payload: string;
  }
}

/** What express-session's README recommends instead of its defaults (express:recommended). */
export const EXPRESS_RECOMMENDED = { resave: false, saveUninitialized: false };

/**
 * express 5 + express-session with the store package of the backend
 * (storePackages.ts), or cookie-session for `cookie`. Options: the library's own
 * defaults, then the preset (express:recommended), then --app-option; session-bench
 * sets only the secret, the store and the cookie name the load generator reads.
 */
export async function expressApp(config: AppConfig): Promise<AppServer> {
  const preset = config.flavour === 'express:recommended' ? EXPRESS_RECOMMENDED : {};
  const options = { ...preset, ...middlewareOptions(config.options ?? {}) };
  const layer =
    backendNameOf(config.store.variant) === 'cookie'
      ? await cookieSessionLayer(options, config.store.secret)
      : await expressSessionLayer(config, options);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/health', (_req, res) => void res.json({ ok: true }));
  app.use(storeDeadline(config.storeTimeoutMs));
  app.use(layer.middleware);
  addRoutes(app, layer, sessionPayload(config.payloadBytes));
  app.use(noSuchEndpoint);
  app.use(storeTrouble);
  return { listener: app, close: () => layer.close() };
}

async function expressSessionLayer(
  config: AppConfig,
  options: Record<string, unknown>,
): Promise<SessionLayer> {
  const built = await buildStore(config.store, session);
  const middleware = session({
    ...options,
    name: SESSION_COOKIE,
    secret: config.store.secret,
    ...(built.store ? { store: built.store } : {}),
  } as session.SessionOptions);
  const call = (op: (done: (error?: unknown) => void) => void) =>
    new Promise<void>((resolve, reject) =>
      op((error) => (error ? reject(error as Error) : resolve())),
    );
  return {
    middleware,
    data: (req) => req.session,
    start: (req) =>
      req.session.u === undefined ? Promise.resolve() : call((d) => req.session.regenerate(d)),
    save: (req) => call((d) => req.session.save(d)),
    destroy: async (req, res) => {
      await call((d) => req.session.destroy(d));
      res.clearCookie(SESSION_COOKIE, { path: '/' });
    },
    close: built.close,
  };
}

function addRoutes(app: express.Express, layer: SessionLayer, payload: string): void {
  const route =
    (handle: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) => {
      // Answered 503 by the deadline already: nothing more is done for this request.
      if (res.headersSent) return;
      handle(req, res).catch(next);
    };
  const answer = (res: Response, status: number, body: object) => {
    if (!res.headersSent) res.status(status).json(body);
  };
  const loggedIn = (req: Request) => {
    const data = layer.data(req);
    return data?.u === undefined ? undefined : data;
  };
  app.post(
    '/login',
    route(async (req, res) => {
      const userId = loginUserId(req.originalUrl);
      if (userId === undefined) return answer(res, 400, ANSWERS.badUser.body);
      await layer.start(req);
      Object.assign(layer.data(req)!, { u: userId, c: 0, payload });
      await layer.save(req);
      answer(res, 200, { u: userId, c: 0 });
    }),
  );
  app.get(
    '/page',
    route(async (req, res) => {
      const data = loggedIn(req);
      if (!data) return answer(res, 401, ANSWERS.notLoggedIn.body);
      answer(res, 200, { u: data.u, c: data.c });
    }),
  );
  app.post(
    '/update',
    route(async (req, res) => {
      const data = loggedIn(req);
      if (!data) return answer(res, 401, ANSWERS.notLoggedIn.body);
      data.c = (data.c ?? 0) + 1;
      await layer.save(req);
      answer(res, 200, { u: data.u, c: data.c });
    }),
  );
  app.post(
    '/logout',
    route(async (req, res) => {
      const data = loggedIn(req);
      if (!data) return answer(res, 401, ANSWERS.notLoggedIn.body);
      const { u, c } = data;
      await layer.destroy(req, res);
      answer(res, 200, { u, c });
    }),
  );
}

/**
 * A request still unanswered after `timeoutMs` answers 503: the store was slower than
 * the contract allows (the middleware may still be waiting on it).
 */
function storeDeadline(timeoutMs: number): express.RequestHandler {
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) res.status(503).json(ANSWERS.storeTimeout.body);
    }, timeoutMs);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

function noSuchEndpoint(_req: Request, res: Response): void {
  if (!res.headersSent) res.status(404).json(ANSWERS.noSuchEndpoint.body);
}

/** Any error the middleware or its store passed on: 503. After the answer, nothing to send. */
function storeTrouble(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) return;
  const { status, body } = storeErrorAnswer(error);
  res.status(status).json(body);
}
