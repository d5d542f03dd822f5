import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { SESSION_COOKIE } from '../../backends/sessionToken.js';
import type { SessionLayer } from './expressSessionLayer.js';

type CookieData = { u?: number; c?: number; payload?: string };
type CookieSessionRequest = { session?: CookieData | null };

const SIGNATURE_COOKIE = `${SESSION_COOKIE}.sig`;

/**
 * cookie-session (the `cookie` backend under express): the session is the cookie, signed
 * with the run's secret (its own default: signed). It sends two cookies, `sid` and
 * `sid.sig`; the load generator keeps one, so they travel joined as one cookie, `<value>.<sig>`
 * (neither part contains a dot) and are split again before cookie-session reads them.
 */
export async function cookieSessionLayer(
  options: Record<string, unknown>,
  secret: string,
): Promise<SessionLayer> {
  const { default: cookieSession } = await import('cookie-session');
  const middleware = cookieSession({
    ...options,
    name: SESSION_COOKIE,
    keys: [secret],
  } as Parameters<typeof cookieSession>[0]) as unknown as RequestHandler;
  const data = (req: Request) => (req as unknown as CookieSessionRequest).session ?? undefined;
  return {
    middleware: (req, res, next) => {
      splitSignature(req);
      joinSignature(res);
      middleware(req, res, next);
    },
    data,
    start: async (req) => {
      (req as unknown as CookieSessionRequest).session = {};
    },
    // Written into the answer's cookie when the headers go out: nothing can fail here.
    save: async () => {},
    destroy: async (req) => {
      (req as unknown as CookieSessionRequest).session = null;
    },
    close: async () => {},
  };
}

/** The joined `<value>.<sig>` into the two cookies cookie-session reads. */
function splitSignature(req: IncomingMessage): void {
  const header = req.headers.cookie;
  if (!header) return;
  req.headers.cookie = header
    .split(';')
    .map((part) => {
      const [name, value = ''] = part.trim().split(/=(.*)/s);
      const dot = value.lastIndexOf('.');
      if (name !== SESSION_COOKIE || dot < 0) return part.trim();
      return `${SESSION_COOKIE}=${value.slice(0, dot)}; ${SIGNATURE_COOKIE}=${value.slice(dot + 1)}`;
    })
    .join('; ');
}

/** The two Set-Cookie headers cookie-session writes, joined into one `sid` cookie. */
function joinSignature(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const cookies = [res.getHeader('set-cookie') ?? []].flat().map(String);
    const value = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    const signature = cookies.find((c) => c.startsWith(`${SIGNATURE_COOKIE}=`));
    if (value !== undefined) {
      const sig = signature?.slice(SIGNATURE_COOKIE.length + 1).split(';')[0] ?? '';
      const [first, ...attributes] = value.split(';');
      const joined = first === `${SESSION_COOKIE}=` || !sig ? first! : `${first}.${sig}`;
      const rest = cookies.filter((c) => c !== value && c !== signature);
      res.setHeader('set-cookie', [[joined, ...attributes].join(';'), ...rest]);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
}
