import net, { type Server, type Socket } from 'node:net';
import type { LinkSpec, Stream, Toxic } from './toxics.js';

/** What a direction needs from its link: the toxic now in force. */
interface LinkState {
  toxic: Toxic | undefined;
}

/** Bandwidth is metered in slices of a tenth of a second's worth (as Toxiproxy does). */
const BANDWIDTH_SLICES_PER_S = 10;

/**
 * The bytes of one direction of one connection. Without a toxic (and nothing queued)
 * a chunk is written at once: the proxy's cost at rest is one read and one write.
 * Otherwise each chunk gets a due time and leaves in order.
 */
class Direction {
  private readonly queue: { chunk: Buffer; dueMs: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDueMs = 0;
  private ended = false;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly link: LinkState,
    /** Server to client (else client to server). */
    private readonly downstream: boolean,
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => {
      this.ended = true;
      this.flush();
    });
  }

  private push(chunk: Buffer): void {
    const toxic = this.link.toxic;
    if (!toxic && this.queue.length === 0) return this.write(chunk);
    const nowMs = performance.now();
    if (toxic?.kind === 'bandwidth' && this.carries(toxic.stream)) {
      const slice = Math.max(1, Math.floor(toxic.rateBytesPerS / BANDWIDTH_SLICES_PER_S));
      for (let at = 0; at < chunk.length; at += slice) {
        const piece = chunk.subarray(at, at + slice);
        const dueMs = Math.max(nowMs, this.lastDueMs) + (piece.length / toxic.rateBytesPerS) * 1000;
        this.enqueue(piece, dueMs);
      }
    } else if (toxic?.kind === 'latency' && this.carries(toxic.stream)) {
      const jitterMs = (Math.random() * 2 - 1) * toxic.jitterMs;
      this.enqueue(chunk, nowMs + Math.max(0, toxic.latencyMs + jitterMs));
    } else {
      this.enqueue(chunk, nowMs);
    }
    this.flush();
  }

  private carries(stream: Stream): boolean {
    return stream === 'both' || (stream === 'downstream') === this.downstream;
  }

  private enqueue(chunk: Buffer, dueMs: number): void {
    // Jitter never reorders bytes of a stream.
    this.lastDueMs = Math.max(dueMs, this.lastDueMs);
    this.queue.push({ chunk, dueMs: this.lastDueMs });
  }

  /** Sends what is due; a partition holds everything until it ends. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.link.toxic?.kind === 'partition') return;
    const nowMs = performance.now();
    while (this.queue.length && this.queue[0]!.dueMs <= nowMs + 0.5) {
      this.write(this.queue.shift()!.chunk);
    }
    if (this.queue.length) {
      this.timer = setTimeout(() => this.flush(), this.queue[0]!.dueMs - nowMs);
    } else if (this.ended) {
      this.sink.end();
    }
  }

  private write(chunk: Buffer): void {
    if (this.sink.write(chunk)) return;
    this.source.pause();
    this.sink.once('drain', () => {
      if (this.link.toxic?.kind !== 'partition') this.source.resume();
    });
  }

  /** The toxic ended: what it held or slowed is due now, not at its throttled times. */
  release(): void {
    const nowMs = performance.now();
    for (const item of this.queue) item.dueMs = nowMs;
    this.lastDueMs = 0;
    this.flush();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** One accepted client and its connection to the node. */
interface Connection {
  client: Socket;
  upstream: Socket;
  directions: Direction[];
}

/**
 * One listener on 127.0.0.1 forwarding to one node, and the toxic it carries.
 * `down` closes the listener itself (a true refusal), and reopens the same port after.
 */
export class ProxyLink implements LinkState {
  toxic: Toxic | undefined;
  port = 0;
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private upstreamHost = '';
  private upstreamPort = 0;

  constructor(readonly spec: LinkSpec) {
    this.forwardTo(spec.upstream);
  }

  private forwardTo(upstream: string): void {
    const colon = upstream.lastIndexOf(':');
    this.upstreamHost = upstream.slice(0, colon).replace(/^\[|\]$/g, '');
    this.upstreamPort = Number(upstream.slice(colon + 1));
  }

  async listen(port = 0): Promise<number> {
    const server = net.createServer({ noDelay: true }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  private accept(client: Socket): void {
    if (this.toxic?.kind === 'down') return void client.destroy();
    const upstream = net.connect({
      host: this.upstreamHost,
      port: this.upstreamPort,
      noDelay: true,
    });
    const connection: Connection = {
      client,
      upstream,
      directions: [
        new Direction(client, upstream, this, false),
        new Direction(upstream, client, this, true),
      ],
    };
    this.connections.add(connection);
    if (this.toxic?.kind === 'partition') this.hold(connection);
    const close = () => {
      if (!this.connections.delete(connection)) return;
      for (const d of connection.directions) d.stop();
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  }

  /** Reads stop on both sides: the kernel buffers fill, TCP pushes back, nothing arrives. */
  private hold(connection: Connection): void {
    connection.client.pause();
    connection.upstream.pause();
  }

  async set(toxic: Toxic): Promise<void> {
    this.toxic = toxic;
    if (toxic.kind === 'partition') for (const c of this.connections) this.hold(c);
    if (toxic.kind === 'down') {
      const closed = this.closeListener();
      for (const c of this.connections) this.destroy(c, false);
      await closed;
    }
  }

  async clear(): Promise<void> {
    this.toxic = undefined;
    // Whatever closed the listener (a down), the link serves again on the same port.
    if (!this.server && this.port) await this.listen(this.port);
    for (const c of this.connections) {
      c.client.resume();
      c.upstream.resume();
      for (const d of c.directions) d.release();
    }
  }

  /** Toxiproxy's reset_peer: every open connection gets an RST; new ones work. */
  reset(): number {
    const affected = this.connections.size;
    for (const c of this.connections) this.destroy(c, true);
    return affected;
  }

  /**
   * A virtual IP moved to another node: new connections go to `upstream`, the open
   * ones get an RST (their peer is gone for the client). Returns how many there were.
   */
  retarget(upstream: string): number {
    this.forwardTo(upstream);
    return this.reset();
  }

  private destroy(connection: Connection, withReset: boolean): void {
    this.connections.delete(connection);
    for (const d of connection.directions) d.stop();
    for (const socket of [connection.client, connection.upstream]) {
      if (withReset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  private closeListener(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async close(): Promise<void> {
    const closed = this.closeListener();
    for (const c of this.connections) this.destroy(c, false);
    await closed;
  }
}
