/**
 * The faults a proxy link can carry, with Toxiproxy's meaning (one at a time per link;
 * a new one replaces the old). `latency` and `bandwidth` act on the downstream (server
 * to client) bytes, Toxiproxy's default stream, so a round trip is slowed once.
 */
export type Toxic =
  /** Every chunk held `latencyMs` ± a uniform `jitterMs` (order kept). */
  | { kind: 'latency'; latencyMs: number; jitterMs: number }
  /**
   * Connections are accepted and kept, nothing is delivered either way. Bytes are held
   * (as TCP retransmission would during a real partition) and flow again afterwards;
   * Toxiproxy's timeout toxic drops them instead, which desynchronises every
   * request/response protocol on a kept connection: no real network does that.
   */
  | { kind: 'partition' }
  /** Nothing listens: new connections are refused, open ones closed. */
  | { kind: 'down' }
  /** Downstream bytes at most this many per second. */
  | { kind: 'bandwidth'; rateBytesPerS: number };

/** One listener of the proxy child: where it listens and where it forwards. */
export interface LinkSpec {
  name: string;
  /** host:port of the real node. */
  upstream: string;
}

/** Parent → proxy child. */
export type ProxyCommand =
  | { id: number; type: 'start'; links: LinkSpec[] }
  | { id: number; type: 'set'; link: string; toxic: Toxic }
  | { id: number; type: 'clear'; link: string }
  /** RST every open connection of the link; new ones work. */
  | { id: number; type: 'reset'; link: string };

/** Proxy child → parent: `ports` (name → listening port) answers `start`. */
export type ProxyReply =
  | { id: number; ok: true; ports?: Record<string, number>; affected?: number }
  | { id: number; ok: false; error: string };
