import type Docker from 'dockerode';
import { RuntimeError } from '../../errors.js';
import { freePort } from '../../lifecycle/freePort.js';
import { shellWord } from '../../lifecycle/shellQuote.js';
import type { CommandRunner, NodePlacement, ServerSpec } from '../../backends/serverSpec.js';
import { DockerNode } from '../dockerNode.js';
import type { ProviderContext } from '../provider.js';
import { trackContainer, trackVolume } from './exitHook.js';
import type { ImageProbe } from './imageProbe.js';
import { removeOwned, type Owned } from './owned.js';
import {
  CONTAINER_DATA_DIR,
  CONTAINER_ROOT,
  CONTAINER_RUN_DIR,
  CONTAINER_USER,
  entryScript,
} from './paths.js';
import { runOnce } from './runOnce.js';
import { tarOf } from './tar.js';
import { runName } from '../../lifecycle/runNames.js';

/** Default when the spec names none; a first MariaDB start in a container is slow. */
const START_TIMEOUT_MS = 60_000;
const PREPARE_TIMEOUT_MS = 180_000;
const STOP_GRACE_S = 30;

const slug = (text: string) => text.replace(/[^a-zA-Z0-9_.-]+/g, '-');

/** Where a variant's servers are reachable: host networking, or their own bridge network. */
export type NodeNetwork = { mode: 'host' } | { mode: 'own'; name: string };

/** Everything one node is made from. */
export interface NodeRecipe {
  spec: ServerSpec;
  ctx: ProviderContext;
  image: string;
  index: number;
  probe: ImageProbe;
  labels: Record<string, string>;
  network: NodeNetwork;
  /** A topology member that is not a node (a sentinel): its own name, arguments, files, readiness. */
  member?: TopologyMember;
}

/** See NodeRecipe.member. */
export interface TopologyMember {
  name: string;
  args(placement: NodePlacement): string[];
  files(placement: NodePlacement): Record<string, string>;
  ready(endpoint: string): Promise<void>;
}

/** The name every container, volume and network of a variant starts with. */
export function variantBaseName(runId: string, variant: string): string {
  return runName(runId, slug(variant));
}

/** What createNode has made so far, before a node owns it. */
interface NodeParts {
  recipe: NodeRecipe;
  docker: Docker;
  placement: NodePlacement;
  labels: Record<string, string>;
  base: string;
  owned: Owned;
  mounts: Docker.MountSettings[];
}

/**
 * Creates one node's volumes, private files, prepared data dir and server container
 * (not started). `loose` holds the release of what is not owned by a node yet, so a
 * failure anywhere lets the caller remove it.
 */
export async function createNode(
  docker: Docker,
  recipe: NodeRecipe,
  loose: (() => Promise<void>)[],
): Promise<{ node: DockerNode; commandLine: string }> {
  const parts = await nodeParts(docker, recipe);
  const release = () => removeOwned(docker, parts.owned);
  loose.push(release);
  await createVolumes(parts);
  await seedFiles(parts);
  if (!recipe.member) await prepareDataDir(parts);
  // After prepare, as with local processes: a spec may learn things there (MySQL flavour).
  const member = recipe.member;
  const args = member
    ? member.args(parts.placement)
    : recipe.spec.args(parts.placement, recipe.probe.binary);
  const container = await createServer(parts, args);
  const node = new DockerNode({
    name: member?.name ?? `node${recipe.index}`,
    docker,
    container,
    owned: parts.owned,
    containerPort: parts.placement.port,
    hostPort: recipe.network.mode === 'host' ? undefined : parts.placement.port,
    ready: (endpoint) =>
      member ? member.ready(endpoint) : recipe.spec.ready(endpoint, recipe.spec.settings),
    events: recipe.ctx.events,
    signal: recipe.ctx.signal,
    startTimeoutMs: recipe.spec.startTimeoutMs ?? START_TIMEOUT_MS,
    stopGraceS: STOP_GRACE_S,
    restartInNextSecond: recipe.spec.restartInNextSecond ?? false,
  });
  loose.splice(loose.indexOf(release), 1);
  return { node, commandLine: commandLineOf(parts, args) };
}

async function nodeParts(docker: Docker, recipe: NodeRecipe): Promise<NodeParts> {
  const nodeName = recipe.member?.name ?? `node${recipe.index}`;
  const hostNetwork = recipe.network.mode === 'host';
  const placement: NodePlacement = {
    index: recipe.index,
    port: await freePort(),
    dataDir: CONTAINER_DATA_DIR,
    runDir: CONTAINER_RUN_DIR,
    // CONTAINER_USER is root; the image's own user switching (gosu) is bypassed. A
    // server that refuses root runs as its own user (entryScript).
    runAsRoot: !recipe.spec.unprivilegedUser,
    bindAddress: hostNetwork ? '127.0.0.1' : '0.0.0.0',
  };
  const extra = recipe.member ? 0 : (recipe.spec.topology?.extraPorts ?? 0);
  if (extra > 0) placement.extraPorts = [];
  for (let i = 0; i < extra; i++) placement.extraPorts!.push(await freePort());
  return {
    recipe,
    docker,
    placement,
    labels: { ...recipe.labels, 'session-bench.node': nodeName },
    base: `${variantBaseName(recipe.ctx.runId, recipe.spec.variant)}-${nodeName}`,
    owned: { volumes: [], containers: [] },
    mounts: [],
  };
}

/** The node's volume, and for an in-memory run dir a tmpfs volume kept mounted. */
async function createVolumes(parts: NodeParts): Promise<void> {
  const { docker, owned, labels, base, mounts, recipe } = parts;
  const volume = await createVolume(docker, owned, { Name: base, Labels: labels });
  mounts.push({ Type: 'volume', Source: volume, Target: CONTAINER_ROOT });
  if (!recipe.spec.runDirInMemory) return;
  // A tmpfs volume is emptied whenever no container has it mounted; a holder
  // container keeps it mounted, so a graceful restart finds its memory file.
  const memory = await createVolume(docker, owned, {
    Name: `${base}-run`,
    Labels: labels,
    Driver: 'local',
    DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'mode=0700' },
  });
  mounts.push({ Type: 'volume', Source: memory, Target: CONTAINER_RUN_DIR });
  const holder = await docker.createContainer({
    name: `${base}-tmpfs-holder`,
    Image: recipe.image,
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

async function createVolume(
  docker: Docker,
  owned: Owned,
  options: Docker.VolumeCreateOptions,
): Promise<string> {
  const volume = await docker.createVolume(options);
  trackVolume(volume.name);
  owned.volumes.push(volume.name);
  return volume.name;
}

/**
 * The spec's private files (e.g. MariaDB's --init-file), owner-only, go into the
 * volume through a container that never starts.
 */
async function seedFiles(parts: NodeParts): Promise<void> {
  const { docker, owned, labels, mounts, recipe } = parts;
  const files = Object.entries(
    recipe.member
      ? recipe.member.files(parts.placement)
      : (recipe.spec.files?.(parts.placement) ?? {}),
  );
  if (!files.length) return;
  const runInArchive = CONTAINER_RUN_DIR.slice(1);
  const seed = await docker.createContainer({
    Image: recipe.image,
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
  await removeOwned(docker, { containers: owned.containers.splice(-1), volumes: [] });
}

/** The spec's `prepare` (e.g. mariadb-install-db), each command in a throwaway container. */
async function prepareDataDir(parts: NodeParts): Promise<void> {
  const { recipe } = parts;
  const { spec, probe, image, ctx } = recipe;
  if (!spec.prepare) return;
  const run: CommandRunner = async (command, commandArgs) => {
    // The probe ran exactly this in this image already: no second container.
    if (command === probe.binary && commandArgs.join('\0') === spec.versionArgs.join('\0')) {
      return probe.versionOutput;
    }
    const { exitCode, stdout, stderr } = await runOnce(parts.docker, {
      image,
      script: entryScript(spec.unprivilegedUser),
      args: [command, ...commandArgs],
      labels: { ...parts.labels, 'session-bench.role': 'prepare' },
      mounts: parts.mounts,
      timeoutMs: PREPARE_TIMEOUT_MS,
      signal: ctx.signal,
    });
    const output = `${stdout}${stderr}`;
    if (exitCode !== 0) {
      throw new RuntimeError(
        `${command} exited with ${exitCode} in ${image}`,
        output.split('\n').filter(Boolean).slice(-40),
      );
    }
    return output;
  };
  ctx.events.record(`node${recipe.index}`, 'prepare', `in ${image}`);
  await spec.prepare(parts.placement, probe.binary, run);
}

/** The server's container: the binary as PID 1, the port published on 127.0.0.1. */
async function createServer(parts: NodeParts, args: string[]): Promise<Docker.Container> {
  const { docker, recipe, placement, owned } = parts;
  const network = recipe.network;
  const portKey = `${placement.port}/tcp`;
  const container = await docker.createContainer({
    name: parts.base,
    Image: recipe.image,
    User: CONTAINER_USER,
    Entrypoint: ['/bin/sh', '-c', entryScript(recipe.spec.unprivilegedUser), 'session-bench'],
    Cmd: [recipe.probe.binary, ...args],
    Labels: { ...parts.labels, 'session-bench.role': 'server' },
    StopSignal: recipe.spec.stopSignal,
    ExposedPorts: network.mode === 'host' ? undefined : { [portKey]: {} },
    HostConfig: {
      NetworkMode: network.mode === 'host' ? 'host' : network.name,
      PortBindings:
        network.mode === 'host'
          ? undefined
          : { [portKey]: [{ HostIp: '127.0.0.1', HostPort: String(placement.port) }] },
      Mounts: parts.mounts,
    },
  });
  trackContainer(container.id);
  owned.containers.push(container);
  return container;
}

/** The equivalent `docker run`, for the result's serverCommand. */
function commandLineOf(parts: NodeParts, args: string[]): string {
  const { recipe, placement } = parts;
  const port = placement.port;
  const network =
    recipe.network.mode === 'host'
      ? '--network host'
      : `--network ${recipe.network.name} -p 127.0.0.1:${port}:${port}`;
  const volumes = parts.mounts.map((m) => `-v ${m.Source}:${m.Target}`).join(' ');
  return [
    `docker run -d --name ${parts.base} ${network} ${volumes}`,
    `--stop-signal ${recipe.spec.stopSignal} --entrypoint /bin/sh ${recipe.image}`,
    `-c ${shellWord(entryScript(recipe.spec.unprivilegedUser))} session-bench ${recipe.probe.binary}`,
    ...args.map(shellWord),
  ].join(' ');
}
