import autocannon, { type AutocannonClient, type AutocannonRequest } from 'autocannon';
import { SESSION_COOKIE } from '../backends/sessionToken.js';
import { RequestTimeout, parseReply, requestLine, type Reply } from './appClient.js';
import {
  parallelOf,
  recordAnswer,
  tokenFor,
  type LoadContext,
  type LoadDriver,
} from './loadDriver.js';
import type { Step } from './workload.js';

/** How late after its duration (or an interrupt) autocannon may notice it should stop. */
const END_CHECK_MS = 50;

/** One autocannon connection: the step it has in flight, if any. */
interface Connection {
  step?: Step;
  sentAtMs: number;
  /** The last socket error of this connection, the reason its step got no answer. */
  lastError?: Error;
}

/** Carries the connection from a request's setup to its answer (autocannon's per-request context). */
interface RequestContext extends Record<string, unknown> {
  connection?: Connection;
}

/**
 * Closed loop with autocannon: each connection sends its next step as soon as the
 * previous one is answered, which finds the maximum throughput. Latency here is
 * service time under saturation, not the latency users would see at a given rate.
 *
 * Every request, answered or failed, goes through the same recording path as the
 * fixed-rate driver. autocannon forgets its per-request context when a connection
 * fails and reconnects, so the step in flight is kept per connection (`setupClient`)
 * and settled as failed when that connection sends its next request unanswered.
 *
 * Under --parallel N a page view's requests go out on the next N connections that
 * are free (at saturation, within about one service time of each other), not on one:
 * autocannon keeps one request in flight per connection.
 */
export class SaturationDriver implements LoadDriver {
  private readonly connections = new Set<Connection>();
  /** The connection whose next request autocannon is building right now. */
  private building: Connection | undefined;
  /** Requests of started page views that no connection has sent yet. */
  private readonly queued: Step[] = [];

  constructor(
    private readonly ctx: LoadContext,
    private readonly baseUrls: string[],
  ) {}

  async run(): Promise<void> {
    const { load, signal } = this.ctx;
    const request: AutocannonRequest = {
      setupRequest: (req, context) => this.nextRequest(req, context as RequestContext),
      onResponse: (status, body, context, headers) =>
        this.answered(
          (context as RequestContext).connection,
          this.ctx.client.toLedgerUser(toReply(status, body, headers)),
        ),
    };
    const instance = autocannon({
      url: this.baseUrls,
      connections: load.connections,
      duration: load.durationMs / 1000,
      timeout: Math.max(1, Math.ceil(load.timeoutMs / 1000)),
      // autocannon notices its end only at a sample: sample often, so it ends on time.
      sampleInt: END_CHECK_MS,
      requests: [request],
      setupClient: (client) => this.track(client),
    });
    const stop = () => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
    await instance;
    signal.removeEventListener('abort', stop);
    // Requests cut off by the end of the load may have been applied (a logout, say):
    // the audit treats them as unknown. They are not the server's failures, so they
    // are not in the log (the fixed-rate driver waits for its own instead).
    for (const connection of this.connections) {
      const step = connection.step;
      if (!step) continue;
      connection.step = undefined;
      this.ctx.workload.done(step.user);
      const cutOff = new Error('no answer before the load ended');
      this.ctx.audit.check(step.user, step.action, cutOff, true, step.ticket);
    }
    // Never sent: the page view's user is simply free again.
    for (const step of this.queued.splice(0)) this.ctx.workload.done(step.user);
  }

  /** The next request: the rest of a started page view first, else a new page view. */
  private nextStep(): Step | null {
    const queued = this.queued.shift();
    if (queued) return queued;
    const steps = this.ctx.workload.nextPageView(parallelOf(this.ctx.load));
    if (!steps) return null;
    this.queued.push(...steps.slice(1));
    return steps[0]!;
  }

  /** Closed loop: nothing is in flight beyond one request per connection, and it cannot be awaited. */
  async settle(): Promise<void> {}

  /** At most one per connection. */
  inFlightCount(): number {
    return this.ctx.load.connections;
  }

  private track(client: AutocannonClient): void {
    const connection: Connection = { sentAtMs: 0 };
    this.connections.add(connection);
    client.on('connError', (error: Error) => (connection.lastError = error));
    // Emitted right before autocannon builds the connection's next request, on every
    // path: after an answer, a socket error, a closed connection or its own timeout.
    // The first one sends the request built with the client, before it was tracked.
    let first = true;
    client.on('request', () => {
      if (first) return void (first = false);
      if (connection.step) this.failed(connection);
      this.building = connection;
    });
  }

  private nextRequest(req: AutocannonRequest, context: RequestContext): AutocannonRequest {
    const { ledger, measurements } = this.ctx;
    const connection = this.building;
    this.building = undefined;
    // The very first request of a connection is built before it is tracked; when
    // every user is busy there is nobody to act for; past the load's duration no step
    // starts. None of these is measured.
    const over = measurements.now() >= this.ctx.load.durationMs;
    const step = connection && !over ? this.nextStep() : null;
    // autocannon hands over a fresh copy per request: filling it in place saves a copy.
    if (!connection || !step) {
      context.connection = undefined;
      return Object.assign(req, { method: 'GET', path: '/health', headers: {} });
    }
    step.ticket = this.ctx.audit.sent(step.user, step.action);
    connection.step = step;
    connection.sentAtMs = measurements.now();
    connection.lastError = undefined;
    context.connection = connection;
    const token = tokenFor(ledger, step);
    const { method, path } = requestLine(step.action, step.user + this.ctx.client.userOffset);
    req.method = method;
    req.path = path;
    req.headers = token ? { cookie: `${SESSION_COOKIE}=${token}` } : {};
    return req;
  }

  /** The connection's step got no answer: a socket error, a closed connection or a timeout. */
  private failed(connection: Connection): void {
    const step = connection.step!;
    connection.step = undefined;
    const waitedMs = this.ctx.measurements.now() - connection.sentAtMs;
    const error =
      connection.lastError ??
      (waitedMs >= this.ctx.load.timeoutMs
        ? new RequestTimeout(`no answer within ${this.ctx.load.timeoutMs} ms`)
        : new Error('connection closed before the answer'));
    recordAnswer(this.ctx, step, connection.sentAtMs, error);
  }

  private answered(connection: Connection | undefined, reply: Reply): void {
    const step = connection?.step;
    if (!connection || !step) return;
    connection.step = undefined;
    recordAnswer(this.ctx, step, connection.sentAtMs, reply);
  }
}

function toReply(status: number, body: string, headers: Record<string, string | string[]>): Reply {
  const raw = headers['set-cookie'];
  return parseReply(status, Array.isArray(raw) ? raw : raw ? [raw] : undefined, body);
}
