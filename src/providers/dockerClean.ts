import os from 'node:os';
import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import { dockerClient, isNotFound, pingDocker } from './docker/client.js';
import { OWNER_LABEL, RUN_ID_LABEL } from './docker/labels.js';
import { ownerAlive, readProcess } from './processLeftovers.js';

export interface DockerCleanOptions {
  /** Only this run's containers, volumes and networks. */
  runId?: string;
  /** Say what would go, remove nothing. */
  dryRun?: boolean;
  /** Also remove those of a run whose session-bench process still runs here. */
  force?: boolean;
}

export interface DockerCleanItem {
  kind: 'container' | 'volume' | 'network';
  name: string;
  runId: string;
}

export interface DockerCleanReport {
  /** 'removed', or 'would remove' with dryRun. */
  action: 'removed' | 'would remove';
  removed: DockerCleanItem[];
  spared: (DockerCleanItem & { why: string })[];
  /** What could not be removed, and why. */
  problems: string[];
  /** Set when the daemon did not answer: nothing was looked at. */
  skipped?: string;
}

/** Why a labelled thing belongs to a run still in progress here, or undefined. */
function liveOwner(label: string | undefined): string | undefined {
  const [host, pidText, startText] = (label ?? '').split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return undefined;
  const owner = { pid, startTime: startText ? Number(startText) : undefined };
  return ownerAlive(owner, readProcess(pid))
    ? `its run is still in progress (session-bench pid ${pid}; --force to remove)`
    : undefined;
}

/** One labelled thing as clean sees it, and how to remove it. */
interface Found {
  item: DockerCleanItem;
  labels: Record<string, string> | undefined;
  remove: () => Promise<void>;
}

/**
 * Removes the containers (running, paused or stopped), volumes and networks
 * labelled with a session-bench run id, for `session-bench clean` and the
 * watchdog: a crashed or SIGKILLed run leaves them behind. Those of a run still
 * in progress on this machine are spared unless `force`.
 */
export async function removeLabelled(
  options: DockerCleanOptions = {},
  docker: Docker = dockerClient(),
): Promise<DockerCleanReport> {
  const report: DockerCleanReport = {
    action: options.dryRun ? 'would remove' : 'removed',
    removed: [],
    spared: [],
    problems: [],
  };
  try {
    await pingDocker(docker);
  } catch (error) {
    report.skipped = `the Docker daemon does not answer (${errorMessage(error)})`;
    return report;
  }
  const label = options.runId ? `${RUN_ID_LABEL}=${options.runId}` : RUN_ID_LABEL;
  // In this order: a volume or a network in use cannot be removed.
  for (const list of [containersLabelled, volumesLabelled, networksLabelled]) {
    for (const found of await list(docker, label)) {
      const why = options.force ? undefined : liveOwner(found.labels?.[OWNER_LABEL]);
      if (why) {
        report.spared.push({ ...found.item, why });
        continue;
      }
      try {
        if (!options.dryRun) await found.remove();
        report.removed.push(found.item);
      } catch (error) {
        if (!isNotFound(error))
          report.problems.push(`${found.item.kind} ${found.item.name}: ${errorMessage(error)}`);
      }
    }
  }
  return report;
}

async function containersLabelled(docker: Docker, label: string): Promise<Found[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  return containers.map((info) => ({
    item: {
      kind: 'container',
      name: (info.Names[0] ?? info.Id).replace(/^\//, ''),
      runId: info.Labels[RUN_ID_LABEL] ?? '',
    },
    labels: info.Labels,
    remove: async () => {
      const container = docker.getContainer(info.Id);
      if (info.State === 'paused') await container.unpause();
      await container.remove({ force: true, v: true });
    },
  }));
}

async function volumesLabelled(docker: Docker, label: string): Promise<Found[]> {
  const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
  return volumes.map((volume) => {
    const labels = (volume.Labels as Record<string, string> | null) ?? undefined;
    return {
      item: { kind: 'volume', name: volume.Name, runId: labels?.[RUN_ID_LABEL] ?? '' },
      labels,
      remove: () => docker.getVolume(volume.Name).remove({ force: true }) as Promise<void>,
    };
  });
}

async function networksLabelled(docker: Docker, label: string): Promise<Found[]> {
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  return networks.map((network) => ({
    item: { kind: 'network', name: network.Name, runId: network.Labels?.[RUN_ID_LABEL] ?? '' },
    labels: network.Labels,
    remove: () => docker.getNetwork(network.Id).remove() as Promise<void>,
  }));
}

/** Lines for a person: one per container, volume or network. */
export function renderDockerClean(report: DockerCleanReport): string[] {
  if (report.skipped) return [`docker: skipped, ${report.skipped}`];
  return [
    ...report.removed.map((i) => `${report.action} ${i.kind} ${i.name}`),
    ...report.spared.map((i) => `left ${i.kind} ${i.name} alone: ${i.why}`),
    ...report.problems.map((p) => `  problem: ${p}`),
  ];
}
