import os from 'node:os';
import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import { withTimeout } from '../lifecycle/withTimeout.js';
import {
  OWNER_LABEL,
  PING_TIMEOUT_MS,
  RUN_ID_LABEL,
  dockerClient,
  isNotFound,
} from './dockerContainers.js';
import { ownerAlive, readProcess } from './processLeftovers.js';

export interface DockerCleanOptions {
  /** Only this run's containers and volumes. */
  runId?: string;
  /** Say what would go, remove nothing. */
  dryRun?: boolean;
  /** Also remove those of a run whose session-bench process still runs here. */
  force?: boolean;
}

export interface DockerCleanItem {
  kind: 'container' | 'volume';
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

/** "host:pid:startTime" of the session-bench process that created a container or volume. */
export function ownerLabel(): string {
  const startTime = readProcess(process.pid).startTime;
  return `${os.hostname()}:${process.pid}:${startTime ?? ''}`;
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

/**
 * Removes the containers (running, paused or stopped) and volumes labelled with a
 * session-bench run id, for `session-bench clean`: a crashed or SIGKILLed run
 * leaves them behind. Those of a run still in progress on this machine are spared
 * unless `force`.
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
    await withTimeout(docker.ping(), PING_TIMEOUT_MS, 'docker ping');
  } catch (error) {
    report.skipped = `the Docker daemon does not answer (${errorMessage(error)})`;
    return report;
  }
  const label = options.runId ? `${RUN_ID_LABEL}=${options.runId}` : RUN_ID_LABEL;
  const sort = (labels: Record<string, string> | undefined, item: DockerCleanItem) => {
    const why = options.force ? undefined : liveOwner(labels?.[OWNER_LABEL]);
    if (why) report.spared.push({ ...item, why });
    return why === undefined;
  };

  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  for (const info of containers) {
    const item: DockerCleanItem = {
      kind: 'container',
      name: (info.Names[0] ?? info.Id).replace(/^\//, ''),
      runId: info.Labels[RUN_ID_LABEL] ?? '',
    };
    if (!sort(info.Labels, item)) continue;
    try {
      if (!options.dryRun) {
        const container = docker.getContainer(info.Id);
        if (info.State === 'paused') await container.unpause();
        await container.remove({ force: true, v: true });
      }
      report.removed.push(item);
    } catch (error) {
      if (!isNotFound(error))
        report.problems.push(`container ${item.name}: ${errorMessage(error)}`);
    }
  }
  // After the containers: a volume in use cannot be removed.
  const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
  for (const volume of volumes) {
    const labels = volume.Labels as Record<string, string> | null;
    const item: DockerCleanItem = {
      kind: 'volume',
      name: volume.Name,
      runId: labels?.[RUN_ID_LABEL] ?? '',
    };
    if (!sort(labels ?? undefined, item)) continue;
    try {
      if (!options.dryRun) await docker.getVolume(volume.Name).remove({ force: true });
      report.removed.push(item);
    } catch (error) {
      if (!isNotFound(error)) report.problems.push(`volume ${item.name}: ${errorMessage(error)}`);
    }
  }
  return report;
}

/** Lines for a person: one per container or volume. */
export function renderDockerClean(report: DockerCleanReport): string[] {
  if (report.skipped) return [`docker: skipped, ${report.skipped}`];
  return [
    ...report.removed.map((i) => `${report.action} ${i.kind} ${i.name}`),
    ...report.spared.map((i) => `left ${i.kind} ${i.name} alone: ${i.why}`),
    ...report.problems.map((p) => `  problem: ${p}`),
  ];
}
