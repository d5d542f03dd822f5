import http from 'node:http';
import { SESSION_COOKIE } from '../backends/sessionToken.js';
import type { Action } from './workload.js';

export interface Reply {
  status: number;
  userId?: number;
  counter?: number;
  /** The cookie the app set: a token, '' when it cleared it, undefined when untouched. */
  token?: string;
}

export class RequestTimeout extends Error {}

const COOKIE_PREFIX = `${SESSION_COOKIE}=`;

/** Talks to the app over HTTP/1.1 keep-alive, one request per virtual-user step. */
export class AppClient {
  private readonly agent: http.Agent;
  private target = 0;

  constructor(
    /** Base URLs of the app instances; requests go round-robin. */
    readonly baseUrls: string[],
    private readonly timeoutMs: number,
    maxSockets: number,
    /**
     * A shard's users are ids userOffset.. on the wire (the app and store see one
     * population across shards) and 0.. in its ledger: this client translates both ways.
     */
    readonly userOffset = 0,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * Sends one step. `onSent` is called when the request gets a socket, which tells
   * the driver how late it really left.
   */
  send(
    action: Action,
    user: number,
    token: string | undefined,
    onSent?: () => void,
  ): Promise<Reply> {
    const { method, path } = requestLine(action, user + this.userOffset);
    const base = this.baseUrls[this.target++ % this.baseUrls.length]!;
    const url = new URL(path, base);
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: this.agent,
          headers: token ? { cookie: COOKIE_PREFIX + token } : {},
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            clearTimeout(timer);
            const reply = parseReply(res.statusCode ?? 0, res.headers['set-cookie'], body);
            resolve(this.toLedgerUser(reply));
          });
          res.on('error', fail);
        },
      );
      const timer = setTimeout(
        () => req.destroy(new RequestTimeout(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      function fail(error: Error) {
        clearTimeout(timer);
        reject(error);
      }
      req.on('error', fail);
      if (onSent) req.once('socket', onSent);
      req.end();
    });
  }

  /** An answer's user id as the ledger counts them (see userOffset). */
  toLedgerUser(reply: Reply): Reply {
    if (reply.userId !== undefined && this.userOffset) reply.userId -= this.userOffset;
    return reply;
  }

  close(): void {
    this.agent.destroy();
  }
}

export function requestLine(action: Action, user: number): { method: string; path: string } {
  switch (action) {
    case 'login':
      return { method: 'POST', path: `/login?u=${user}` };
    case 'read':
    case 'replay':
      return { method: 'GET', path: '/page' };
    case 'update':
      return { method: 'POST', path: '/update' };
    case 'logout':
      return { method: 'POST', path: '/logout' };
  }
}

export function parseReply(status: number, setCookie: string[] | undefined, body: string): Reply {
  const reply: Reply = { status };
  const cookie = setCookie?.find((c) => c.startsWith(COOKIE_PREFIX));
  if (cookie !== undefined) {
    const end = cookie.indexOf(';');
    reply.token = cookie.slice(COOKIE_PREFIX.length, end < 0 ? undefined : end);
  }
  if (status === 200) {
    try {
      const parsed = JSON.parse(body) as { u?: unknown; c?: unknown };
      if (typeof parsed.u === 'number') reply.userId = parsed.u;
      if (typeof parsed.c === 'number') reply.counter = parsed.c;
    } catch {
      // A 200 without a readable body is caught by the audit as an error.
    }
  }
  return reply;
}
