import type { Dispatcher } from 'undici';
import { SESSION_COOKIE } from '../backends/sessionToken.js';
import { ConnectionPool, type Sockets } from './connectionPool.js';
import type { Action } from './workload.js';

export interface Reply {
  status: number;
  userId?: number;
  counter?: number;
  /** The cookie the app set: a token, '' when it cleared it, undefined when untouched. */
  token?: string;
}

/** Sent, and no whole answer within the request timeout: it may have taken effect. */
export class RequestTimeout extends Error {}

/**
 * Never written to a connection: every connection the client may open was busy for the
 * whole request timeout. It cannot have reached the app, so it is not the app's error.
 */
export class RequestNotSent extends Error {}

const COOKIE_PREFIX = `${SESSION_COOKIE}=`;
const NO_HEADERS: string[] = [];

/**
 * Talks to the app over HTTP/1.1 keep-alive, one request per virtual-user step, on
 * undici's Clients (a ConnectionPool per app instance) through their lowest API,
 * `dispatch`: measured at 2.4x node:http's Agent per generator core
 * (bench/generator-cost.ts, README).
 */
export class AppClient {
  private readonly pools: ConnectionPool[];
  private target = 0;

  constructor(
    /** Base URLs of the app instances; requests go round-robin. */
    readonly baseUrls: string[],
    private readonly timeoutMs: number,
    sockets: Sockets,
    /**
     * A shard's users are ids userOffset.. on the wire (the app and store see one
     * population across shards) and 0.. in its ledger: this client translates both ways.
     */
    readonly userOffset = 0,
  ) {
    // The request timeout is ours (timeoutMs, from send to the whole answer), not undici's.
    this.pools = baseUrls.map((url) => new ConnectionPool(url, sockets));
  }

  /**
   * Sends one step. `onSent` is called when the request is written to its connection,
   * which tells the driver how late it really left.
   */
  send(
    action: Action,
    user: number,
    token: string | undefined,
    onSent?: () => void,
  ): Promise<Reply> {
    const { method, path } = requestLine(action, user + this.userOffset);
    const pool = this.pools[this.target++ % this.pools.length]!;
    const headers = token ? ['cookie', COOKIE_PREFIX + token] : NO_HEADERS;
    return new Promise<Reply>((resolve, reject) => {
      const answer = new AnswerHandler(this.timeoutMs, onSent, (reply) => {
        if (reply instanceof Error) reject(reply);
        else resolve(this.toLedgerUser(reply));
      });
      pool.dispatch({ method, path, headers }, answer);
    });
  }

  /** An answer's user id as the ledger counts them (see userOffset). */
  toLedgerUser(reply: Reply): Reply {
    if (reply.userId !== undefined && this.userOffset) reply.userId -= this.userOffset;
    return reply;
  }

  close(): void {
    for (const pool of this.pools) void pool.destroy().catch(() => {});
  }
}

/**
 * One request's answer as undici hands it over: status and Set-Cookie from the raw
 * headers, the body in chunks; settles once, with the Reply or the error (our own
 * timeout included: a request still queued for a connection when it fires is not sent,
 * and is aborted when it gets one).
 */
class AnswerHandler implements Dispatcher.DispatchHandlers {
  private status = 0;
  private setCookie: string[] | undefined;
  private readonly chunks: Buffer[] = [];
  private abort: ((error: Error) => void) | undefined;
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    timeoutMs: number,
    private readonly onSent: (() => void) | undefined,
    private readonly settle: (reply: Reply | Error) => void,
  ) {
    this.timer = setTimeout(() => {
      // Until onConnect the request waits in the pool's queue: not sent, not the app's.
      const timeout = this.abort
        ? new RequestTimeout(`no answer within ${timeoutMs} ms`)
        : new RequestNotSent(`no free connection within ${timeoutMs} ms: not sent`);
      this.abort?.(timeout);
      this.finish(timeout);
    }, timeoutMs);
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.settled) return abort(new RequestNotSent('given up before it was sent'));
    this.abort = abort;
    this.onSent?.();
  }

  onHeaders(status: number, rawHeaders: Buffer[] | string[] | null): boolean {
    this.status = status;
    if (!rawHeaders) return true;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length !== 10 || name.toString().toLowerCase() !== 'set-cookie') continue;
      (this.setCookie ??= []).push(rawHeaders[i + 1]!.toString());
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const body =
      this.chunks.length === 1 ? this.chunks[0]!.toString() : Buffer.concat(this.chunks).toString();
    this.finish(parseReply(this.status, this.setCookie, body));
  }

  onError(error: Error): void {
    this.finish(error);
  }

  private finish(reply: Reply | Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.settle(reply);
  }
}

export function requestLine(
  action: Action,
  user: number,
): { method: 'GET' | 'POST'; path: string } {
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
