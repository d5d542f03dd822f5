import { Client, type Dispatcher } from 'undici';

/** Per app instance: how many connections, and when to open more. */
export interface Sockets {
  max: number;
  /** Opened by the first requests (the warm-up's), and kept open. */
  warm: number;
  /** How long a request waits for a free connection before it opens one. */
  growAfterMs: number;
}

/**
 * The keep-alive connections to one app instance: one undici Client (one socket)
 * each. The first `warm` requests (the warm-up's logins) each open one, before the
 * load's clock starts; past that, a request that finds every connection busy waits
 * for one to free up, and only one that has waited `growAfterMs` opens another
 * (at most `max`, GROW_STEP at a time).
 *
 * Why not undici's Pool: it opens a connection whenever none is free, so a pause of
 * the app for 20 ms at 20k req/s opened hundreds at once, which stalled the generator
 * for 20-70 ms (and overflowed the app's accept backlog: a SYN retried after 1 s);
 * they then sat idle until the server closed them, and the next pause opened them all
 * again. The open loop sent more than 1% late from ~16k req/s on. A few hot sockets
 * are also the cheapest to drive: the most recently freed one goes next, except one of
 * the warm set idle for KEEP_WARM_MS, which goes first so that it stays open; an
 * extra one idle for RETIRE_AFTER_MS is closed. A `growAfterMs` shorter than the grow
 * timer's tick (GROW_TICK_MS) opens one at once.
 */
export class ConnectionPool {
  private readonly all: Connection[] = [];
  /** Idle connections in the order they were freed. */
  private readonly idle: Connection[] = [];
  private readonly waiting: Waiting[] = [];
  private growTimer: NodeJS.Timeout | undefined;

  private readonly size: number;
  private readonly warm: number;
  private readonly growAfterMs: number;

  constructor(
    private readonly url: string,
    sockets: Sockets,
  ) {
    ({ max: this.size, warm: this.warm, growAfterMs: this.growAfterMs } = sockets);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Handler): void {
    const connection =
      this.all.length < this.warm
        ? this.open()
        : (this.nextIdle() ?? (this.growAfterMs < GROW_TICK_MS ? this.open() : undefined));
    if (connection) return this.run(connection, options, handler);
    this.waiting.push({ options, handler, sinceMs: performance.now() });
    this.growLater();
  }

  private nextIdle(): Connection | undefined {
    const oldest = this.idle[0];
    const idleMs = oldest ? performance.now() - oldest.idleSinceMs : 0;
    if (oldest?.kept && idleMs > KEEP_WARM_MS) return this.idle.shift();
    if (oldest && !oldest.kept && idleMs > RETIRE_AFTER_MS) {
      this.idle.shift();
      this.all.splice(this.all.indexOf(oldest), 1);
      void oldest.client.close().catch(() => {});
    }
    return this.idle.pop();
  }

  private open(): Connection | undefined {
    if (this.all.length >= this.size) return undefined;
    const client = new Client(this.url, { pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
    const connection = { client, kept: this.all.length < this.warm, idleSinceMs: 0 };
    this.all.push(connection);
    return connection;
  }

  /** Wakes when the oldest waiting request has waited growAfterMs (not sooner than GROW_TICK_MS). */
  private growLater(): void {
    if (this.growTimer || !this.waiting.length) return;
    const dueInMs = this.waiting[0]!.sinceMs + this.growAfterMs - performance.now();
    this.growTimer = setTimeout(() => this.grow(), Math.max(GROW_TICK_MS, dueInMs)).unref();
  }

  private grow(): void {
    this.growTimer = undefined;
    const dueMs = performance.now() - this.growAfterMs;
    for (let n = 0; n < GROW_STEP && (this.waiting[0]?.sinceMs ?? Infinity) <= dueMs; n++) {
      const connection = this.open();
      // At the cap: a freed connection takes the oldest waiting request (release).
      if (!connection) return;
      const { options, handler } = this.waiting.shift()!;
      this.run(connection, options, handler);
    }
    this.growLater();
  }

  private run(connection: Connection, options: Dispatcher.DispatchOptions, handler: Handler): void {
    connection.client.dispatch(options, new Releasing(handler, () => this.release(connection)));
  }

  private release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) return this.run(connection, next.options, next.handler);
    connection.idleSinceMs = performance.now();
    this.idle.push(connection);
  }

  async destroy(): Promise<void> {
    clearTimeout(this.growTimer);
    this.waiting.length = 0;
    await Promise.all(this.all.map((c) => c.client.destroy().catch(() => {})));
  }
}

/** At most this many connects at a time, one batch per GROW_TICK_MS: up to 6,400 a second,
 *  so a store fault that holds every answer still gets connections for its arrivals. */
const GROW_STEP = 32;
const GROW_TICK_MS = 5;
/** Well under any server's keep-alive timeout (Node's default is 5 s). */
const KEEP_WARM_MS = 1_000;
/** An extra connection idle this long is closed by us, before a server with Node's 5 s does. */
const RETIRE_AFTER_MS = 4_000;

interface Connection {
  client: Client;
  /** One of the warm set: kept open for the whole load. */
  kept: boolean;
  idleSinceMs: number;
}

interface Waiting {
  options: Dispatcher.DispatchOptions;
  handler: Handler;
  sinceMs: number;
}

type Handler = Dispatcher.DispatchHandlers;

/** Passes every event on, and frees the connection once the request has ended either way. */
class Releasing implements Dispatcher.DispatchHandlers {
  private released = false;

  constructor(
    private readonly inner: Handler,
    private readonly release: () => void,
  ) {}

  onConnect(abort: (error?: Error) => void): void {
    this.inner.onConnect?.(abort);
  }

  onHeaders(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    return this.inner.onHeaders?.(status, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.inner.onComplete?.(trailers);
    this.done();
  }

  onError(error: Error): void {
    this.inner.onError?.(error);
    this.done();
  }

  private done(): void {
    if (this.released) return;
    this.released = true;
    this.release();
  }
}
