import type Docker from 'dockerode';
import { InterruptedError, RuntimeError, errorMessage } from '../errors.js';
import type { ProgressChannel } from '../lifecycle/progressChannel.js';
import { withTimeout } from '../lifecycle/withTimeout.js';
import { type ImageSet, IMAGE_SETS } from '../config/providerOptions.js';
import type { Member, ServerSpec, TopologySpec } from '../backends/serverSpec.js';
import { dockerClient, dockerMessage, pingDocker } from './docker/client.js';
import { ImageProbes, firstLine, type ImageProbe } from './docker/imageProbe.js';
import { OWNER_LABEL, RUN_ID_LABEL, ownerLabel } from './docker/labels.js';
import { createOwnNetwork, removeNetwork } from './docker/network.js';
import {
  createNode,
  variantBaseName,
  type NodeNetwork,
  type NodeRecipe,
  type TopologyMember,
} from './docker/nodeFactory.js';
import { pullImage } from './docker/pull.js';
import { ensureWatchdog, watchdogHint } from './docker/watchdog.js';
import { OFFLINE_HINT, imageFor, registryRefused } from './dockerImages.js';
import type { DockerNode } from './dockerNode.js';
import {
  DEFAULT_PROVIDER_OPTIONS,
  peersFor,
  type Provider,
  type ProviderContext,
  type ProviderOptions,
  type Started,
} from './provider.js';

/** How long a registry may take to say whether an image can be pulled. */
const REGISTRY_CHECK_TIMEOUT_MS = 15_000;
const BUILD_OFFLINE = 'build it with `session-bench images build-offline`';

/**
 * Runs a backend's servers in containers through the Docker API (dockerode). The
 * spec says what to run; this decides the image (official or offline set), the
 * network (a bridge network of the variant's own with ports published on
 * 127.0.0.1, or host networking) and owns every container it creates: each carries
 * the run id label and is removed on stop, and a watchdog removes them if the
 * tool is killed.
 *
 * Official images' entrypoints are bypassed: the server binary is run directly with
 * the spec's arguments, and the spec's `prepare` (e.g. mariadb-install-db) runs in a
 * throwaway container on the node's volume, so both image sets start the same way.
 */
export class DockerProvider implements Provider {
  readonly name = 'docker' as const;
  private client: Docker | undefined;
  private daemon: Promise<{ ok: boolean; reason: string }> | undefined;
  private readonly pullable = new Map<string, Promise<{ ok: boolean; reason: string }>>();
  private readonly probes = new ImageProbes(() => this.docker);

  private get docker(): Docker {
    this.client ??= dockerClient();
    return this.client;
  }

  /**
   * Can the spec run with the plan's image set? Without options (`list`): with
   * any image set, the default one first, and the reason names the flag.
   */
  async check(
    spec: ServerSpec,
    options?: ProviderOptions,
  ): Promise<{ available: boolean; reason: string }> {
    if (spec.topology && (options?.dockerNetwork ?? 'bridge') !== 'host') {
      return {
        available: false,
        reason:
          `docker: ${spec.variant}'s ${spec.topology.kind} topology needs --docker-network host ` +
          '(on a bridge its members would talk over container addresses, which session-bench never uses)',
      };
    }
    const daemon = await this.pingDaemon();
    if (!daemon.ok) return { available: false, reason: daemon.reason };
    const wanted = options?.imageSet ?? DEFAULT_PROVIDER_OPTIONS.imageSet;
    const check = await this.checkImageSet(spec, wanted);
    if (check.available || options) return check;
    for (const other of IMAGE_SETS.filter((set) => set !== wanted)) {
      const image = this.imageFor(spec, other);
      const id = image && (await this.imageId(image));
      if (id) return { available: true, reason: presentReason(image, id, other) };
    }
    return check;
  }

  private async checkImageSet(
    spec: ServerSpec,
    imageSet: ImageSet,
  ): Promise<{ available: boolean; reason: string }> {
    const image = this.imageFor(spec, imageSet);
    if (!image) {
      return { available: false, reason: `no ${imageSet} image for ${spec.backend} is known` };
    }
    const id = await this.imageId(image);
    if (id) return { available: true, reason: presentReason(image, id, undefined) };
    const registry = await this.registryAnswers(image);
    if (registry.ok) return { available: true, reason: `docker: image ${image} will be pulled` };
    return {
      available: false,
      reason:
        `image ${image} is not present and cannot be pulled (${registry.reason}); ` +
        (await this.missingImageHint(spec, imageSet)),
    };
  }

  /** The way out: pass --image-set offline when that image is here, else build it. */
  private async missingImageHint(spec: ServerSpec, imageSet: ImageSet): Promise<string> {
    if (imageSet === 'offline') return BUILD_OFFLINE;
    const offline = this.imageFor(spec, 'offline');
    if (offline && (await this.imageId(offline))) {
      return `the offline image ${offline} is present: pass \`--image-set offline\` to use it`;
    }
    return OFFLINE_HINT;
  }

  async start(spec: ServerSpec, ctx: ProviderContext): Promise<Started> {
    const options = ctx.options ?? DEFAULT_PROVIDER_OPTIONS;
    const image = this.imageFor(spec, options.imageSet);
    if (!image) throw new RuntimeError(`no ${options.imageSet} image for ${spec.backend}`);
    const pulled = await this.ensureImage(image, spec, options.imageSet, ctx.signal, ctx.progress);
    const labels = {
      [RUN_ID_LABEL]: ctx.runId,
      [OWNER_LABEL]: ownerLabel(),
      'session-bench.variant': spec.variant,
    };
    const watchdog = await ensureWatchdog(ctx.runId);
    const probe = await this.probes.get(image, spec, labels, ctx.signal);
    const { nodes, companions, peers, commandLines, network, stop } = await this.startNodes(
      spec,
      ctx,
      {
        image,
        probe,
        labels,
        hostNetwork: options.dockerNetwork === 'host',
      },
    );
    return {
      provider: 'docker',
      nodes,
      ...(spec.topology ? { companions } : {}),
      ...(peers ? { peers } : {}),
      server: probe.server,
      commandLine: commandLines[0] ?? '',
      detail:
        `image ${image} (${options.imageSet}${pulled ? ', pulled now' : ''}), ` +
        `${network.mode === 'host' ? 'host networking' : `network ${network.name} of its own, ports published on 127.0.0.1`}; ` +
        watchdogHint(watchdog),
      stop,
    };
  }

  /** Creates the network and every node, then starts them; on failure removes it all. */
  private async startNodes(
    spec: ServerSpec,
    ctx: ProviderContext,
    o: { image: string; probe: ImageProbe; labels: Record<string, string>; hostNetwork: boolean },
  ) {
    const nodes: DockerNode[] = [];
    const companions: DockerNode[] = [];
    let peers: Member[] | undefined;
    const commandLines: string[] = [];
    /** Volumes and containers created but not yet owned by a node. */
    const loose: (() => Promise<void>)[] = [];
    let networkId: string | undefined;
    const network: NodeNetwork = o.hostNetwork
      ? { mode: 'host' }
      : { mode: 'own', name: variantBaseName(ctx.runId, spec.variant) };
    const stop = async () => {
      // Sentinels first: none may start a failover while the nodes stop.
      const first = await Promise.allSettled(companions.map((c) => c.stop()));
      const outcomes = await Promise.allSettled([
        ...nodes.map((node) => node.stop()),
        ...loose.map((release) => release()),
      ]);
      // After its containers: a network in use cannot be removed.
      if (networkId) {
        outcomes.push(...(await Promise.allSettled([removeNetwork(this.docker, networkId)])));
      }
      const failed = [...first, ...outcomes].flatMap((o) =>
        o.status === 'rejected' ? [o.reason] : [],
      );
      if (failed.length) throw new RuntimeError(failed.map(errorMessage).join('; '));
    };
    try {
      if (network.mode === 'own') {
        networkId = await createOwnNetwork(this.docker, network.name, o.labels);
      }
      for (let index = 0; index < spec.nodes; index++) {
        if (ctx.signal.aborted) throw new InterruptedError('interrupted while creating containers');
        const { node, commandLine } = await createNode(
          this.docker,
          { spec, ctx, image: o.image, index, probe: o.probe, labels: o.labels, network },
          loose,
        );
        nodes.push(node);
        commandLines.push(commandLine);
      }
      await Promise.all(nodes.map((node) => node.start()));
      if (spec.topology) {
        const recipe = { spec, ctx, image: o.image, probe: o.probe, labels: o.labels, network };
        peers = await formTopology(this.docker, spec.topology, recipe, nodes, companions, loose);
      }
    } catch (error) {
      await stop().catch(() => undefined);
      throw startFailure(spec, ctx, error);
    }
    return { nodes, companions, peers, commandLines, network, stop };
  }

  /** Images come from the pinned table in dockerImages.ts, the one place they are named. */
  imageFor(spec: ServerSpec, imageSet: ImageSet): string | undefined {
    return imageFor(spec.backend, imageSet);
  }

  private pingDaemon(): Promise<{ ok: boolean; reason: string }> {
    this.daemon ??= pingDocker(this.docker).then(
      () => ({ ok: true, reason: 'the Docker daemon answers' }),
      (error: unknown) => ({
        ok: false,
        reason: `the Docker daemon does not answer (${errorMessage(error)})`,
      }),
    );
    return this.daemon;
  }

  /** The local image's id (sha256:...), or undefined when it is not here. */
  private async imageId(image: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(image).inspect()).Id;
    } catch {
      return undefined;
    }
  }

  /** Asks the registry (through the daemon) for the image's manifest, without pulling. */
  private registryAnswers(image: string): Promise<{ ok: boolean; reason: string }> {
    const refused = registryRefused(image);
    if (refused) return Promise.resolve({ ok: false, reason: refused });
    let known = this.pullable.get(image);
    if (!known) {
      known = withTimeout(
        this.docker.getImage(image).distribution(),
        REGISTRY_CHECK_TIMEOUT_MS,
        'registry lookup',
      ).then(
        () => ({ ok: true, reason: 'the registry has it' }),
        (error: unknown) => ({ ok: false, reason: firstLine(dockerMessage(error)) }),
      );
      this.pullable.set(image, known);
    }
    return known;
  }

  /** Pulls the image when missing, with progress on the run's channel; true if it pulled. */
  private async ensureImage(
    image: string,
    spec: ServerSpec,
    imageSet: ImageSet,
    signal: AbortSignal,
    progress?: ProgressChannel,
  ): Promise<boolean> {
    if (await this.imageId(image)) return false;
    if (imageSet === 'offline') {
      throw new RuntimeError(`docker: offline image ${image} is not present; ${BUILD_OFFLINE}`);
    }
    const refused = registryRefused(image);
    if (refused) {
      throw new RuntimeError(
        `docker: cannot pull ${image}: ${refused}; ${await this.missingImageHint(spec, imageSet)}`,
      );
    }
    progress?.emit({ type: 'pull', image, status: 'pulling...' });
    try {
      await pullImage(this.docker, image, signal, progress);
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      throw new RuntimeError(
        `docker: cannot pull ${image}: ${firstLine(dockerMessage(error))}; ` +
          (await this.missingImageHint(spec, imageSet)),
      );
    }
    progress?.emit({ type: 'pull', image, status: 'pulled' });
    return true;
  }
}

function presentReason(image: string, id: string, otherSet: ImageSet | undefined): string {
  // The id pins exactly what ran, whatever the tag points at later.
  const what = `docker: image ${image} (${id.slice(0, 19)}) is present`;
  return otherSet ? `${what} (with \`--image-set ${otherSet}\`)` : what;
}

/** An interrupt stays one (the variant is aborted); anything else carries the log tail. */
function startFailure(spec: ServerSpec, ctx: ProviderContext, error: unknown): Error {
  if (error instanceof InterruptedError || ctx.signal.aborted) {
    return error instanceof InterruptedError
      ? error
      : new InterruptedError(`interrupted while starting ${spec.variant}`);
  }
  const logTail = error instanceof RuntimeError ? error.logTail : [];
  return new RuntimeError(`docker: ${spec.variant} did not start: ${dockerMessage(error)}`, [
    ...logTail,
  ]);
}

export const dockerProvider = new DockerProvider();

/** Forms the started nodes into the spec's topology, then creates and starts its companions. */
async function formTopology(
  docker: Docker,
  topology: TopologySpec,
  recipe: Omit<NodeRecipe, 'index'>,
  nodes: DockerNode[],
  companions: DockerNode[],
  loose: (() => Promise<void>)[],
): Promise<Member[] | undefined> {
  const members: Member[] = nodes.map((n) => ({ name: n.name, endpoint: n.endpoint }));
  recipe.ctx.events.record(members.map((m) => m.name).join(','), 'form', topology.kind);
  // A topology runs with host networking (checked above): the containers reach the
  // proxy's peer links on the host's 127.0.0.1.
  const peers = await peersFor(topology, recipe.ctx, members);
  await topology.form(members, recipe.ctx.signal, peers);
  const seen = peers ?? members;
  const companion = topology.companions;
  for (let index = 0; index < (companion?.count ?? 0); index++) {
    if (recipe.ctx.signal.aborted)
      throw new InterruptedError('interrupted while creating containers');
    const member: TopologyMember = {
      name: `${companion!.name}${index}`,
      args: (placement) => companion!.args(placement, seen),
      files: (placement) => companion!.files?.(placement, seen) ?? {},
      ready: (endpoint) => companion!.ready(endpoint),
    };
    const { node } = await createNode(docker, { ...recipe, index, member }, loose);
    companions.push(node);
    await node.start();
  }
  return peers;
}
