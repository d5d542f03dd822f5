import type { Roles } from '../lifecycle/faultTarget.js';
/* The contract between a backend (what to run) and a provider (where to run it). */

/** Where one node of a server lives, as the provider decided. */
export interface NodePlacement {
  /** Index in the pool: node0, node1, ... */
  index: number;
  port: number;
  /** Folder for the node's data (process: a host folder; docker: the path inside the container). */
  dataDir: string;
  /** Folder for sockets, pid files, warm-restart memory files (tmpfs where the spec asks). */
  runDir: string;
  /** Further free ports when the topology asks (`TopologySpec.extraPorts`), e.g. a cluster bus. */
  extraPorts?: number[];
  /**
   * The server runs as root (process provider started by root, a container run as root).
   * Servers that refuse root unless told (memcached -u, mariadbd --user) get their flag.
   */
  runAsRoot?: boolean;
  /**
   * The address the server listens on; absent means 127.0.0.1. Docker's bridge
   * networking sets 0.0.0.0: that is inside the container's own network, and only
   * 127.0.0.1 on the host is published.
   */
  bindAddress?: string;
}

/**
 * How to run one variant's servers, the same for every provider: the backend says
 * what to run, the provider decides where (local process, container).
 */
export interface ServerSpec {
  backend: string;
  variant: string;
  nodes: number;
  /** Binaries looked up on PATH, first found wins (e.g. ['mariadbd', 'mysqld']). */
  binaries: string[];
  /**
   * Helper programs `prepare` runs beside the server (e.g. mariadb-install-db), for the
   * server the binary turned out to be; looked up by the same rule as `binaries`.
   */
  helperBinaries?(server: { name: string; version: string }): string[];
  /** Arguments after the binary for one node. */
  args(node: NodePlacement, binary: string): string[];
  /**
   * Files the provider writes into `runDir` before the node's first start, readable by
   * the server only (name -> content), e.g. MariaDB's --init-file with the run's password.
   */
  files?(node: NodePlacement): Record<string, string>;
  /** `runDir` must be in memory (tmpfs), e.g. memcached's warm-restart memory file. */
  runDirInMemory?: boolean;
  /** How long a start may take until `ready` answers (default 30 s). */
  startTimeoutMs?: number;
  /**
   * After a graceful stop, start again only once the wall clock is in a later second
   * (memcached refuses a warm restart within the second its metadata says it stopped).
   */
  restartInNextSecond?: boolean;
  /** Runs once per node before its first start (e.g. initialise MariaDB's data dir). */
  prepare?(node: NodePlacement, binary: string, run: CommandRunner): Promise<void>;
  /** A real protocol round trip; throws until the server answers. */
  ready(endpoint: string, settings: Record<string, string>): Promise<void>;
  /** Prints the server's name and version, e.g. ['--version']. */
  versionArgs: string[];
  /** Turns the version output into {name, version}. */
  parseVersion(output: string, binary: string): { name: string; version: string };
  /** Graceful stop: the signal the server's own shutdown path listens to. */
  stopSignal: NodeJS.Signals;
  /**
   * The server refuses to run as root (PostgreSQL): a provider running as root runs
   * it, and its prepare commands, as this user (process: `nobody` where it does not
   * exist), with the node's folders owned by it.
   */
  unprivilegedUser?: string;
  /**
   * The server forks a process per connection and helpers, each in a session of its
   * own (PostgreSQL): a kill or pause of a local process must reach those children too.
   */
  forks?: boolean;
  /** Credentials and the like, generated per run, passed to the store as settings. */
  settings: Record<string, string>;
  /**
   * For a server the run did not start (the external provider), which holds other
   * data too: the run writes under names of its own and removes them at the end.
   */
  runData?: RunData;
  /**
   * A replicated or clustered store (Redis Sentinel, Redis Cluster): how its nodes form
   * one topology, the members besides them, and its roles. Absent: independent nodes.
   */
  topology?: TopologySpec;
}

/** Protocols whose first message names its sender: Redis Cluster's bus (its `port` field). */
export type PeerProtocol = 'redis-cluster-bus';

/** A member of a topology as a provider started it. */
export interface Member {
  /** Fault target name: node0.., sentinel0.. */
  name: string;
  /** "127.0.0.1:port" */
  endpoint: string;
  /**
   * What its peers speak to it, when their first message names the sender (Redis
   * Cluster's bus): its peer link can then hold one partitioned sender's connections.
   */
  speaks?: PeerProtocol;
}

/**
 * Processes that run beside the nodes with the same binary (Redis Sentinel's
 * `redis-server --sentinel`): started after the topology formed, each a fault target
 * named `<name><i>`.
 */
export interface CompanionSpec {
  name: string;
  count: number;
  args(placement: NodePlacement, nodes: Member[]): string[];
  files?(placement: NodePlacement, nodes: Member[]): Record<string, string>;
  ready(endpoint: string): Promise<void>;
}

/**
 * The one address the app reaches a topology through: a virtual IP or a load balancer
 * (MariaDB has no client-side failover). The runner places it in the fault proxy.
 */
export interface FrontLink {
  /** 127.0.0.1:port: the store's only endpoint. */
  readonly endpoint: string;
  /** The member it forwards to now (node0..). */
  readonly target: string;
  /** Forwards new connections to `node` and resets the open ones (RST), as a moved VIP does. */
  pointAt(node: Member): Promise<void>;
}

/** What a topology is made of and how it forms, the same for every provider. */
export interface TopologySpec {
  /** sentinel, cluster (reported). */
  kind: string;
  /** The settings it runs with, as the server spells them (reported in the result). */
  configuration: Record<string, string>;
  /** Free ports each node needs besides its own (`NodePlacement.extraPorts`). */
  extraPorts?: number;
  /**
   * The nodes talk to each other (and the companions to them) through peer links of the
   * fault proxy when one is placed, so a network fault can cut a node from its peers
   * while the app still reaches it (a split brain).
   */
  peerLinks?: boolean;
  /**
   * What the peer links stand in front of when more than the nodes' own ports carry
   * node-to-node traffic (Redis Cluster's bus): members named `<node>.<what>`, whose
   * links a network fault on the node acts on together. Default: the nodes themselves.
   */
  peerEndpoints?(nodes: Member[]): Promise<Member[]>;
  /**
   * Cuts a node from its peers by the topology's own means, for a topology whose nodes
   * peer links cannot stand between (Galera's nodes tell each other their own gcomm
   * addresses and connect there, around a proxy): a network fault on a node acts
   * through it instead.
   */
  isolation?: NodeIsolation;
  /** The app reaches the topology through a front link (`FrontLink`), first pointed at node0. */
  front?: boolean;
  /**
   * Runs once every node serves, before companions start: wires replication, makes the
   * cluster. `peers` (same names as `nodes`): the address of each node's peer link,
   * where the other nodes and the companions must reach it; absent: no peer links.
   */
  form(nodes: Member[], signal: AbortSignal, peers?: Member[]): Promise<void>;
  /** Its `nodes` are the peer addresses when there are peer links. */
  companions?: CompanionSpec;
  /** Once every member serves: waits until the topology is whole, then returns its handle. */
  open(
    members: { nodes: Member[]; companions: Member[]; peers?: Member[]; front?: FrontLink },
    signal: AbortSignal,
  ): Promise<RunningTopology>;
}

/** `TopologySpec.isolation`: a node cut from every peer, both ways, while the app still reaches it. */
export interface NodeIsolation {
  /** How it cuts a node, in one line (the event log and a skipped fault's reason). */
  how: string;
  isolate(node: Member): Promise<void>;
  /** Lets the node reach its peers again (it rejoins by itself). */
  rejoin(node: Member): Promise<void>;
}

/** A formed topology: its roles, and what the store needs to find its members. */
export interface RunningTopology extends Roles {
  /** Settings merged into the store's (e.g. the sentinels and the master name). */
  storeSettings: Record<string, string>;
  close(): Promise<void>;
}

/** How a backend keeps a run's sessions apart in a shared server, and removes them. */
export interface RunData {
  /** Store settings that name this run's keys or table after the run id. */
  settings(runId: string): Record<string, string>;
  /**
   * Removes what the run wrote on one node (with the store's settings, those above
   * included); returns what it did, one line for the event log. Throws on failure.
   */
  remove(endpoint: string, settings: Record<string, string>): Promise<string>;
}

/** Runs a helper command (install-db and the like) where the server runs; rejects on failure. */
export type CommandRunner = (command: string, args: string[]) => Promise<string>;
