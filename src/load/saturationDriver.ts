import autocannon, { type AutocannonRequest } from 'autocannon';
import { SESSION_COOKIE } from '../backends/sessionToken.js';
import { parseReply, requestLine, type Reply } from './appClient.js';
import { tokenFor, type LoadContext, type LoadDriver } from './loadDriver.js';
import type { Step } from './workload.js';

interface ConnectionContext extends Record<string, unknown> {
  step?: Step;
  sentAtMs?: number;
}

/**
 * Closed loop with autocannon: each connection sends its next step as soon as the
 * previous one is answered, which finds the maximum throughput. Latency here is
 * service time under saturation, not the latency users would see at a given rate.
 * Every answer still goes through the ledger and the audit.
 */
export class SaturationDriver implements LoadDriver {
  /** Connections whose request has not been answered yet. */
  private readonly unanswered = new Set<ConnectionContext>();

  constructor(
    private readonly ctx: LoadContext,
    private readonly baseUrls: string[],
  ) {}

  async run(): Promise<void> {
    const { load, signal } = this.ctx;
    const request: AutocannonRequest = {
      setupRequest: (req, context) => this.nextRequest(req, context as ConnectionContext),
      onResponse: (status, body, context, headers) =>
        this.answered(context as ConnectionContext, toReply(status, body, headers)),
    };
    const instance = autocannon({
      url: this.baseUrls,
      connections: load.connections,
      duration: load.durationMs / 1000,
      timeout: Math.max(1, Math.ceil(load.timeoutMs / 1000)),
      requests: [request],
    });
    const stop = () => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
    const result = await instance;
    signal.removeEventListener('abort', stop);
    // Requests cut off by the end of the run may have been applied (a logout, say):
    // the audit must treat them as unknown, not as never sent.
    for (const context of this.unanswered) this.noAnswer(context, 'no answer before the run ended');
    // Connection errors never reach onResponse; count what autocannon saw.
    const counted = this.ctx.measurements.requests;
    counted.timeouts += result.timeouts;
    counted.errors += Math.max(0, result.errors - result.timeouts);
    counted.total += result.errors;
  }

  /** Closed loop: nothing is in flight beyond one request per connection, and it cannot be awaited. */
  async settle(): Promise<void> {}

  /** At most one per connection. */
  inFlightCount(): number {
    return this.ctx.load.connections;
  }

  private nextRequest(req: AutocannonRequest, context: ConnectionContext): AutocannonRequest {
    const { workload, ledger, measurements } = this.ctx;
    // The previous request of this connection failed without an answer.
    if (context.step) this.noAnswer(context, 'connection error');
    const step = workload.next();
    // autocannon hands over a fresh copy per request: filling it in place saves a copy.
    if (!step) return Object.assign(req, { method: 'GET', path: '/health', headers: {} });
    context.step = step;
    context.sentAtMs = measurements.now();
    this.unanswered.add(context);
    const token = tokenFor(ledger, step);
    const { method, path } = requestLine(step.action, step.user);
    req.method = method;
    req.path = path;
    req.headers = token ? { cookie: `${SESSION_COOKIE}=${token}` } : {};
    return req;
  }

  private noAnswer(context: ConnectionContext, why: string): void {
    const step = context.step!;
    context.step = undefined;
    this.unanswered.delete(context);
    this.ctx.audit.check(step.user, step.action, new Error(why));
    this.ctx.workload.done(step.user);
  }

  private answered(context: ConnectionContext, reply: Reply): void {
    const { workload, audit, measurements } = this.ctx;
    const step = context.step;
    if (!step || context.sentAtMs === undefined) return;
    context.step = undefined;
    this.unanswered.delete(context);
    workload.done(step.user);
    const outcome = audit.check(step.user, step.action, reply);
    measurements.record(context.sentAtMs, (measurements.now() - context.sentAtMs) * 1000, outcome);
  }
}

function toReply(status: number, body: string, headers: Record<string, string | string[]>): Reply {
  const raw = headers['set-cookie'];
  return parseReply(status, Array.isArray(raw) ? raw : raw ? [raw] : undefined, body);
}
