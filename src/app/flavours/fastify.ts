import { createServer, type RequestListener } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import session from 'express-session';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../backends/sessionToken.js';
import { middlewareOptions } from '../../config/appFlavour.js';
import type { AppConfig } from '../appConfig.js';
import { ANSWERS, loginUserId, sessionPayload, storeErrorAnswer } from '../httpContract.js';
import type { AppServer } from './appServer.js';
import { buildStore } from './storePackages.js';

declare module 'fastify' {
  interface Session {
    u?: number;
    c?: number;
    payload?: string;
  }
}

/**
 * The one option set that is not @fastify/session's own default: its cookie is
 * `secure: true`, which a browser (and the plugin itself) never sends over the plain
 * HTTP the app is driven with on 127.0.0.1, so no session would ever be kept.
 */
export const FASTIFY_OVER_HTTP = { cookie: { secure: false } };

/**
 * fastify 5 + @fastify/cookie + @fastify/session, with the backend's express-session
 * compatible store (storePackages.ts); memory is @fastify/session's own store.
 */
export async function fastifyApp(config: AppConfig): Promise<AppServer> {
  const built = await buildStore(config.store, session);
  let listener: RequestListener | undefined;
  const app = Fastify({
    logger: false,
    // The app's main owns the HTTP server; fastify only routes on it.
    serverFactory: (handler) => {
      listener = handler;
      return createServer(handler);
    },
  });
  const options = middlewareOptions(config.options ?? {});
  addAnswers(app, config.storeTimeoutMs);
  app.get('/health', async (_request, reply) => reply.send({ ok: true }));
  // Its own scope: the session hooks run for these routes only, never for /health.
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    await scope.register(fastifySession, {
      ...FASTIFY_OVER_HTTP,
      ...options,
      cookie: { ...FASTIFY_OVER_HTTP.cookie, ...(options.cookie as object | undefined) },
      cookieName: SESSION_COOKIE,
      secret: config.store.secret,
      ...(built.store ? { store: built.store as never } : {}),
    });
    addRoutes(scope, sessionPayload(config.payloadBytes));
  });
  await app.ready();
  if (!listener) throw new Error('fastify did not create its server');
  return { listener, close: built.close };
}

const answer = (reply: FastifyReply, status: number, body: object) =>
  reply.sent ? reply : reply.code(status).send(body);

/** 503 for a store error or a store slower than the deadline, 404 for anything else. */
function addAnswers(app: FastifyInstance, timeoutMs: number): void {
  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = storeErrorAnswer(error);
    return answer(reply, status, body);
  });
  app.setNotFoundHandler((_request, reply) => answer(reply, 404, ANSWERS.noSuchEndpoint.body));
  // A request still unanswered after the deadline answers 503 (the store is too slow).
  app.addHook('onRequest', (request, reply, done) => {
    const timer = setTimeout(() => {
      if (!reply.sent) void answer(reply, 503, ANSWERS.storeTimeout.body);
    }, timeoutMs);
    request.raw.once('close', () => clearTimeout(timer));
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}

function addRoutes(app: FastifyInstance, payload: string): void {
  const loggedIn = (request: FastifyRequest) =>
    request.session?.u === undefined ? undefined : request.session;
  app.post('/login', async (request, reply) => {
    const userId = loginUserId(request.url);
    if (userId === undefined) return answer(reply, 400, ANSWERS.badUser.body);
    if (request.session.u !== undefined) await request.session.regenerate();
    Object.assign(request.session, { u: userId, c: 0, payload });
    await request.session.save();
    return answer(reply, 200, { u: userId, c: 0 });
  });
  app.get('/page', async (request, reply) => {
    const data = loggedIn(request);
    if (!data) return answer(reply, 401, ANSWERS.notLoggedIn.body);
    return answer(reply, 200, { u: data.u, c: data.c });
  });
  app.post('/update', async (request, reply) => {
    const data = loggedIn(request);
    if (!data) return answer(reply, 401, ANSWERS.notLoggedIn.body);
    data.c = (data.c ?? 0) + 1;
    await data.save();
    return answer(reply, 200, { u: data.u, c: data.c });
  });
  app.post('/logout', async (request, reply) => {
    const data = loggedIn(request);
    if (!data) return answer(reply, 401, ANSWERS.notLoggedIn.body);
    const { u, c } = data;
    await data.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return answer(reply, 200, { u, c });
  });
}
