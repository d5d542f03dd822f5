import type { ProgressChannel } from '../lifecycle/progressChannel.js';
import type Docker from 'dockerode';
import { RuntimeError, errorMessage } from '../errors.js';
import { freePort } from '../lifecycle/freePort.js';
import { shellWord } from '../lifecycle/shellQuote.js';
import { withTimeout } from '../lifecycle/withTimeout.js';
import {
  CONTAINER_DATA_DIR,
  CONTAINER_ROOT,
  CONTAINER_RUN_DIR,
  CONTAINER_USER,
  OWNER_LABEL,
  PING_TIMEOUT_MS,
  RUN_ID_LABEL,
  dockerClient,
  dockerMessage,
  runOnce,
  removeOwned,
  tarOf,
  trackContainer,
  trackVolume,
  type Owned,
} from './dockerContainers.js';
import { OFFLINE_HINT, imageFor } from './dockerImages.js';
import { type ImageSet } from '../config/providerOptions.js';
import { ownerLabel } from './dockerClean.js';
import { DockerNode } from './dockerNode.js';
import {
  DEFAULT_PROVIDER_OPTIONS,
  type Provider,
  type ProviderContext,
  type ProviderOptions,
  type Started,
} from './provider.js';
import { type CommandRunner, type NodePlacement, type ServerSpec } from '../backends/serverSpec.js';

/** How long a registry may take to say whether an image can be pulled. */
const REGISTRY_CHECK_TIMEOUT_MS = 15_000;
/** Default when the spec names none; a first MariaDB start in a container is slow. */
const START_TIMEOUT_MS = 60_000;
const PREPARE_TIMEOUT_MS = 180_000;
const STOP_GRACE_S = 30;
const BINARY_MARK = '@@session-bench-binary ';

const slug = (text: string) => text.replace(/[^a-zA-Z0-9_.-]+/g, '-');

interface ImageProbe {
  binary: string;
  server: { name: string; version: string };
  /** What `binary ...versionArgs` printed. */
  versionOutput: string;
}

/**
 * Runs a backend's servers in containers through the Docker API (dockerode). The
 * spec says what to run; this decides the image (official or offline set), the
 * network (ports published on 127.0.0.1, or host networking) and owns every
 * container it creates: each carries the run id label and is removed on stop.
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
  private readonly probes = new Map<string, Promise<ImageProbe>>();

  private get docker(): Docker {
    this.client ??= dockerClient();
    return this.client;
  }

  async check(
    spec: ServerSpec,
    options: ProviderOptions = DEFAULT_PROVIDER_OPTIONS,
  ): Promise<{ available: boolean; reason: string }> {
    const daemon = await this.pingDaemon();
    if (!daemon.ok) return { available: false, reason: daemon.reason };
    const image = this.imageFor(spec, options.imageSet);
    if (!image) {
      return {
        available: false,
        reason: `no ${options.imageSet} image for ${spec.backend} is known`,
      };
    }
    const id = await this.imageId(image);
    if (id) {
      // The id pins exactly what ran, whatever the tag points at later.
      return { available: true, reason: `docker: image ${image} (${id.slice(0, 19)}) is present` };
    }
    const registry = await this.registryAnswers(image);
    if (registry.ok) return { available: true, reason: `docker: image ${image} will be pulled` };
    return {
      available: false,
      reason:
        `image ${image} is not present and cannot be pulled (${registry.reason}); ` +
        (options.imageSet === 'offline'
          ? 'build it with `session-bench images build-offline`'
          : OFFLINE_HINT),
    };
  }

  async start(spec: ServerSpec, ctx: ProviderContext): Promise<Started> {
    const options = ctx.options ?? DEFAULT_PROVIDER_OPTIONS;
    const image = this.imageFor(spec, options.imageSet);
    if (!image) throw new RuntimeError(`no ${options.imageSet} image for ${spec.backend}`);
    const pulled = await this.ensureImage(image, options.imageSet, ctx.signal, ctx.progress);
    const labels = {
      [RUN_ID_LABEL]: ctx.runId,
      [OWNER_LABEL]: ownerLabel(),
      'session-bench.variant': spec.variant,
    };
    const probe = await this.probe(image, spec, labels, ctx.signal);
    const hostNetwork = options.dockerNetwork === 'host';
    const nodes: DockerNode[] = [];
    const commandLines: string[] = [];
    /** Volumes and containers created but not yet owned by a node. */
    const loose: (() => Promise<void>)[] = [];
    try {
      for (let index = 0; index < spec.nodes; index++) {
        const { node, commandLine } = await this.createNode(spec, ctx, loose, {
          image,
          index,
          probe,
          labels,
          hostNetwork,
        });
        nodes.push(node);
        commandLines.push(commandLine);
      }
      await Promise.all(nodes.map((node) => node.start()));
    } catch (error) {
      const logTail = error instanceof RuntimeError ? error.logTail : [];
      await Promise.allSettled([...nodes.map((node) => node.stop()), ...loose.map((f) => f())]);
      if (ctx.signal.aborted) throw new RuntimeError('interrupted while starting containers');
      throw new RuntimeError(`docker: ${spec.variant} did not start: ${dockerMessage(error)}`, [
        ...logTail,
      ]);
    }
    return {
      provider: 'docker',
      nodes,
      server: probe.server,
      commandLine: commandLines[0] ?? '',
      detail:
        `image ${image} (${options.imageSet}${pulled ? ', pulled now' : ''}), ` +
        `${hostNetwork ? 'host networking' : 'ports published on 127.0.0.1'}`,
      stop: async () => {
        const outcomes = await Promise.allSettled(nodes.map((node) => node.stop()));
        const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        if (failed.length) throw new RuntimeError(failed.map(errorMessage).join('; '));
      },
    };
  }

  /** Images come from the pinned table in dockerImages.ts, the one place they are named. */
  imageFor(spec: ServerSpec, imageSet: ImageSet): string | undefined {
    return imageFor(spec.backend, imageSet);
  }

  private pingDaemon(): Promise<{ ok: boolean; reason: string }> {
    this.daemon ??= withTimeout(this.docker.ping(), PING_TIMEOUT_MS, 'docker ping').then(
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
    imageSet: ImageSet,
    signal: AbortSignal,
    progress?: ProgressChannel,
  ) {
    if (await this.imageId(image)) return false;
    const hint =
      imageSet === 'offline' ? 'build it with `session-bench images build-offline`' : OFFLINE_HINT;
    if (imageSet === 'offline') {
      throw new RuntimeError(`docker: offline image ${image} is not present; ${hint}`);
    }
    progress?.emit({ type: 'pull', image, status: 'pulling...' });
    try {
      const stream = await this.docker.pull(image, { abortSignal: signal });
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          (stream as unknown as { destroy?: () => void }).destroy?.();
          reject(new Error('interrupted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.docker.modem.followProgress(
          stream,
          (error: Error | null) => {
            signal.removeEventListener('abort', onAbort);
            if (error) reject(error);
            else resolve();
          },
          pullProgress(image, progress),
        );
      });
    } catch (error) {
      throw new RuntimeError(
        `docker: cannot pull ${image}: ${firstLine(dockerMessage(error))}; ${hint}`,
      );
    }
    progress?.emit({ type: 'pull', image, status: 'pulled' });
    return true;
  }

  /** Which of the spec's binaries the image has, and its version (cached per image). */
  private probe(
    image: string,
    spec: ServerSpec,
    labels: Record<string, string>,
    signal: AbortSignal,
  ): Promise<ImageProbe> {
    const key = `${image}\0${spec.binaries.join(',')}\0${spec.versionArgs.join(' ')}`;
    let probe = this.probes.get(key);
    if (!probe) {
      const versionArgs = spec.versionArgs.map(shellWord).join(' ');
      const script =
        `for b in "$@"; do if command -v "$b" >/dev/null 2>&1; then ` +
        `echo "${BINARY_MARK}$b"; exec "$b" ${versionArgs}; fi; done; ` +
        `echo "none of $* is in this image" >&2; exit 127`;
      probe = runOnce(this.docker, {
        image,
        script,
        args: spec.binaries,
        labels,
        timeoutMs: 60_000,
        signal,
      }).then(
        ({ exitCode, stdout, stderr }) => {
          const mark = stdout.indexOf(BINARY_MARK);
          if (exitCode !== 0 || mark < 0) {
            throw new RuntimeError(
              `docker: image ${image} cannot run ${spec.backend}: ` +
                `${spec.binaries.join(' / ')} --version exited with ${exitCode}`,
              `${stdout}${stderr}`.split('\n').filter(Boolean),
            );
          }
          const rest = stdout.slice(mark + BINARY_MARK.length);
          const binary = rest.slice(0, rest.indexOf('\n')).trim();
          const output = rest.slice(rest.indexOf('\n') + 1) || stderr;
          return { binary, server: spec.parseVersion(output, binary), versionOutput: output };
        },
        (error: unknown) => {
          // E.g. an image without /bin/sh: the daemon cannot even start the probe.
          if (error instanceof RuntimeError) throw error;
          throw new RuntimeError(
            `docker: image ${image} cannot run ${spec.backend}: ${firstLine(dockerMessage(error))}`,
          );
        },
      );
      probe.catch(() => this.probes.delete(key));
      this.probes.set(key, probe);
    }
    return probe;
  }

  private async createNode(
    spec: ServerSpec,
    ctx: ProviderContext,
    loose: (() => Promise<void>)[],
    o: {
      image: string;
      index: number;
      probe: ImageProbe;
      labels: Record<string, string>;
      hostNetwork: boolean;
    },
  ): Promise<{ node: DockerNode; commandLine: string }> {
    const nodeName = `node${o.index}`;
    const port = await freePort();
    const placement: NodePlacement = {
      index: o.index,
      port,
      dataDir: CONTAINER_DATA_DIR,
      runDir: CONTAINER_RUN_DIR,
      // CONTAINER_USER is root; the image's own user switching (gosu) is bypassed.
      runAsRoot: true,
      bindAddress: o.hostNetwork ? '127.0.0.1' : '0.0.0.0',
    };
    const labels = { ...o.labels, 'session-bench.node': nodeName };
    const base = `session-bench-${ctx.runId}-${slug(spec.variant)}-${nodeName}`;
    const owned: Owned = { volumes: [], containers: [] };
    const release = () => removeOwned(this.docker, owned);
    loose.push(release);

    const mounts: Docker.MountSettings[] = [];
    const volume = await this.createVolume(owned, { Name: base, Labels: labels });
    mounts.push({ Type: 'volume', Source: volume, Target: CONTAINER_ROOT });
    if (spec.runDirInMemory) {
      // A tmpfs volume is emptied whenever no container has it mounted; a holder
      // container keeps it mounted, so a graceful restart finds its memory file.
      const memory = await this.createVolume(owned, {
        Name: `${base}-run`,
        Labels: labels,
        Driver: 'local',
        DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'mode=0700' },
      });
      mounts.push({ Type: 'volume', Source: memory, Target: CONTAINER_RUN_DIR });
      const holder = await this.docker.createContainer({
        name: `${base}-tmpfs-holder`,
        Image: o.image,
        User: CONTAINER_USER,
        Entrypoint: ['sleep'],
        Cmd: ['infinity'],
        Labels: { ...labels, 'session-bench.role': 'tmpfs-holder' },
        HostConfig: {
          NetworkMode: 'none',
          Mounts: [{ Type: 'volume', Source: memory, Target: '/held' }],
        },
      });
      trackContainer(holder.id);
      owned.containers.push(holder);
      await holder.start();
    }

    const ensureDirs = `mkdir -p ${CONTAINER_DATA_DIR} ${CONTAINER_RUN_DIR} && exec "$@"`;
    const files = Object.entries(spec.files?.(placement) ?? {});
    if (files.length) {
      // The spec's private files (e.g. MariaDB's --init-file), owner-only, go into
      // the volume through a container that never starts.
      const runInArchive = CONTAINER_RUN_DIR.slice(1);
      const seed = await this.docker.createContainer({
        Image: o.image,
        User: CONTAINER_USER,
        Entrypoint: ['/bin/true'],
        Labels: { ...labels, 'session-bench.role': 'seed' },
        HostConfig: { NetworkMode: 'none', Mounts: mounts },
      });
      trackContainer(seed.id);
      owned.containers.push(seed);
      await seed.putArchive(
        tarOf([
          { name: `${CONTAINER_DATA_DIR.slice(1)}/`, mode: 0o755 },
          { name: `${runInArchive}/`, mode: 0o700 },
          ...files.map(([name, content]) => ({
            name: `${runInArchive}/${name}`,
            mode: 0o600,
            content,
          })),
        ]),
        { path: '/' },
      );
      await removeOwned(this.docker, { containers: owned.containers.splice(-1), volumes: [] });
    }

    if (spec.prepare) {
      const { binary, versionOutput } = o.probe;
      const run: CommandRunner = async (command, commandArgs) => {
        // The probe ran exactly this in this image already: no second container.
        if (command === binary && commandArgs.join('\0') === spec.versionArgs.join('\0')) {
          return versionOutput;
        }
        const { exitCode, stdout, stderr } = await runOnce(this.docker, {
          image: o.image,
          script: ensureDirs,
          args: [command, ...commandArgs],
          labels: { ...labels, 'session-bench.role': 'prepare' },
          mounts,
          timeoutMs: PREPARE_TIMEOUT_MS,
          signal: ctx.signal,
        });
        const output = `${stdout}${stderr}`;
        if (exitCode !== 0) {
          throw new RuntimeError(
            `${command} exited with ${exitCode} in ${o.image}`,
            output.split('\n').filter(Boolean).slice(-40),
          );
        }
        return output;
      };
      ctx.events.record(nodeName, 'prepare', `in ${o.image}`);
      await spec.prepare(placement, o.probe.binary, run);
    }

    // After prepare, as with local processes: a spec may learn things there (MySQL flavour).
    const args = spec.args(placement, o.probe.binary);
    const portKey = `${port}/tcp`;
    const container = await this.docker.createContainer({
      name: base,
      Image: o.image,
      User: CONTAINER_USER,
      Entrypoint: ['/bin/sh', '-c', ensureDirs, 'session-bench'],
      Cmd: [o.probe.binary, ...args],
      Labels: { ...labels, 'session-bench.role': 'server' },
      StopSignal: spec.stopSignal,
      ExposedPorts: o.hostNetwork ? undefined : { [portKey]: {} },
      HostConfig: {
        NetworkMode: o.hostNetwork ? 'host' : 'bridge',
        PortBindings: o.hostNetwork
          ? undefined
          : { [portKey]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
        Mounts: mounts,
      },
    });
    trackContainer(container.id);
    owned.containers.push(container);

    const node = new DockerNode({
      name: nodeName,
      docker: this.docker,
      container,
      owned,
      containerPort: port,
      hostPort: o.hostNetwork ? undefined : port,
      ready: (endpoint) => spec.ready(endpoint, spec.settings),
      events: ctx.events,
      signal: ctx.signal,
      startTimeoutMs: spec.startTimeoutMs ?? START_TIMEOUT_MS,
      stopGraceS: STOP_GRACE_S,
    });
    loose.splice(loose.indexOf(release), 1);
    const network = o.hostNetwork ? '--network host' : `-p 127.0.0.1:${port}:${port}`;
    const volumes = mounts.map((m) => `-v ${m.Source}:${m.Target}`).join(' ');
    const commandLine = [
      `docker run -d --name ${base} ${network} ${volumes}`,
      `--stop-signal ${spec.stopSignal} --entrypoint /bin/sh ${o.image}`,
      `-c ${shellWord(ensureDirs)} session-bench ${o.probe.binary}`,
      ...args.map(shellWord),
    ].join(' ');
    return { node, commandLine };
  }

  private async createVolume(owned: Owned, options: Docker.VolumeCreateOptions): Promise<string> {
    const volume = await this.docker.createVolume(options);
    trackVolume(volume.name);
    owned.volumes.push(volume.name);
    return volume.name;
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? text).trim();
}

/** One progress event per layer state change, not per byte. */
function pullProgress(
  image: string,
  progress?: ProgressChannel,
): (event: { id?: string; status?: string }) => void {
  const last = new Map<string, string>();
  return (event) => {
    if (!event.status) return;
    const key = event.id ?? '';
    if (last.get(key) === event.status) return;
    last.set(key, event.status);
    progress?.emit({ type: 'pull', image, ...(key ? { layer: key } : {}), status: event.status });
  };
}

export const dockerProvider = new DockerProvider();
