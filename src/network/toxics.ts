import type { PeerProtocol } from '../backends/serverSpec.js';

/**
 * Which bytes a latency or bandwidth toxic acts on: downstream (node to app, Toxiproxy's
 * default: a round trip is slowed once), upstream (app to node), or both.
 */
export type Stream = 'downstream' | 'upstream' | 'both';

/** The faults a proxy link can carry, with Toxiproxy's meaning (one at a time per link;
 *  a new one replaces the old). */
export type Toxic =
  /** Every chunk held `latencyMs` ± a uniform `jitterMs` (order kept). */
  | { kind: 'latency'; latencyMs: number; jitterMs: number; stream: Stream }
  /**
   * Connections are accepted and kept, nothing is delivered either way. Bytes are held
   * (as TCP retransmission would during a real partition) and flow again afterwards;
   * Toxiproxy's timeout toxic drops them instead, which desynchronises every
   * request/response protocol on a kept connection: no real network does that.
   */
  | {
      kind: 'partition';
      /**
       * Only connections whose peer names this port as its own in its first bytes (a
       * Redis Cluster bus message carries its sender's port): the links of the other
       * nodes hold what one partitioned node sends them. Needs `LinkSpec.identify`.
       */
      fromPort?: number;
    }
  /** Nothing listens: new connections are refused, open ones closed. */
  | { kind: 'down' }
  /** At most this many bytes per second (in each direction it acts on). */
  | { kind: 'bandwidth'; rateBytesPerS: number; stream: Stream };

/** One listener of the proxy: where it listens and where it forwards. */
export interface LinkSpec {
  name: string;
  /** host:port of the real node. */
  upstream: string;
  /** The port to listen on (an app restarted keeps its links' ports); absent: any free one. */
  port?: number;
  /** The toxic in force from the start (a link restarted with its app during a fault). */
  toxic?: Toxic;
  /** How a connection's first bytes name the node it comes from (`Toxic.fromPort`). */
  identify?: PeerProtocol;
}

/** Parent → the process the links run in (the proxy child, or the app). */
export type ProxyCommand =
  | { id: number; type: 'start'; links: LinkSpec[] }
  | { id: number; type: 'set'; link: string; toxic: Toxic }
  | { id: number; type: 'clear'; link: string }
  /** RST every open connection of the link; new ones work. */
  | { id: number; type: 'reset'; link: string }
  /** Forward new connections to `upstream` and RST the open ones (a virtual IP moved). */
  | { id: number; type: 'retarget'; link: string; upstream: string };

/** That process → parent: `ports` (name → listening port) answers `start`. */
export type ProxyReply =
  | { id: number; ok: true; ports?: Record<string, number>; affected?: number }
  | { id: number; ok: false; error: string };
