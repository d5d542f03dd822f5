import type { ProgressChannel } from '../lifecycle/progressChannel.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { FaultTarget } from '../lifecycle/faultTarget.js';
import type { Member, ServerSpec, TopologySpec } from '../backends/serverSpec.js';
import type { DockerNetwork, ImageSet, ProviderName } from '../config/providerOptions.js';

/** One running server node; faults hit it through FaultTarget. */
export interface StartedNode extends FaultTarget {
  /** "127.0.0.1:port" */
  readonly endpoint: string;
  logs(): string[];
  stop(): Promise<void>;
}

export interface Started {
  provider: Exclude<ProviderName, 'auto'>;
  nodes: StartedNode[];
  /** A topology's members besides the nodes (sentinel0..), also fault targets. */
  companions?: StartedNode[];
  /** The nodes' peer-link addresses, when the topology formed through peer links. */
  peers?: Member[];
  server: { name: string; version: string };
  /** The exact command line of node0 (or the image and command for docker). */
  commandLine: string;
  /** Anything the provider needs to say (image used, why it chose it). */
  detail?: string;
  stop(): Promise<void>;
}

/** Run-wide choices from the plan; each provider reads the ones it needs. */
export interface ProviderOptions {
  /** docker: which images (official tags or the offline set built from Debian packages). */
  imageSet: ImageSet;
  /** docker: bridge (ports published on 127.0.0.1) or host networking. */
  dockerNetwork: DockerNetwork;
  /** external: existing servers per backend, e.g. { redis: ['redis://127.0.0.1:6379'] }. */
  targets: Record<string, string[]>;
}

export const DEFAULT_PROVIDER_OPTIONS: ProviderOptions = {
  imageSet: 'official',
  dockerNetwork: 'bridge',
  targets: {},
};

export interface ProviderContext {
  runId: string;
  /** The run's temp folder; the provider puts node folders inside it. */
  workDir: string;
  events: EventLog;
  signal: AbortSignal;
  /** Where to tell a person what takes long (an image pull); absent or unheard under --quiet. */
  progress?: ProgressChannel;
  /** Absent: DEFAULT_PROVIDER_OPTIONS. */
  options?: ProviderOptions;
  /**
   * Given the nodes, places a peer link in front of each and returns their addresses
   * (same names): a topology with `peerLinks` forms through them. Absent: no peer links.
   */
  peerLinks?: (nodes: Member[]) => Promise<Member[]>;
}

/** The peer links a topology forms through: only when it wants them and the run places them. */
export async function peersFor(
  topology: TopologySpec,
  ctx: ProviderContext,
  nodes: Member[],
): Promise<Member[] | undefined> {
  if (!topology.peerLinks || !ctx.peerLinks) return undefined;
  const peers = await ctx.peerLinks((await topology.peerEndpoints?.(nodes)) ?? nodes);
  ctx.events.record(
    peers.map((p) => p.name).join(','),
    'peer links',
    peers.map((p) => p.endpoint).join(','),
  );
  return peers;
}

export interface Provider {
  readonly name: Exclude<ProviderName, 'auto'>;
  /** Can this provider run the spec here? The reason is shown when it cannot. */
  check(
    spec: ServerSpec,
    options?: ProviderOptions,
  ): Promise<{ available: boolean; reason: string }>;
  start(spec: ServerSpec, ctx: ProviderContext): Promise<Started>;
}
