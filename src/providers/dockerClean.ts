import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import { RUN_ID_LABEL, dockerClient, isNotFound } from './dockerContainers.js';

export interface DockerCleanReport {
  containers: number;
  volumes: number;
  /** Why nothing was looked at (no daemon), or what could not be removed. */
  problems: string[];
  /** Set when the daemon did not answer: nothing was cleaned, and that is fine. */
  skipped?: string;
}

/**
 * Removes every container (running, paused or stopped) and volume labelled with a
 * session-bench run id, or only those of `runId`. For `session-bench clean`: a
 * crashed or SIGKILLed run leaves them behind.
 */
export async function removeLabelled(
  docker: Docker = dockerClient(),
  runId?: string,
): Promise<DockerCleanReport> {
  const report: DockerCleanReport = { containers: 0, volumes: 0, problems: [] };
  const label = runId ? `${RUN_ID_LABEL}=${runId}` : RUN_ID_LABEL;
  try {
    await docker.ping();
  } catch (error) {
    report.skipped = `the Docker daemon does not answer (${errorMessage(error)})`;
    return report;
  }
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  // Holders of tmpfs volumes last is not needed: force removal takes any order.
  await Promise.all(
    containers.map(async (info) => {
      const container = docker.getContainer(info.Id);
      try {
        if (info.State === 'paused') await container.unpause();
        await container.remove({ force: true, v: true });
        report.containers++;
      } catch (error) {
        if (!isNotFound(error)) {
          report.problems.push(`container ${info.Names[0] ?? info.Id}: ${errorMessage(error)}`);
        }
      }
    }),
  );
  const volumes = (await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];
  for (const volume of volumes) {
    try {
      await docker.getVolume(volume.Name).remove({ force: true });
      report.volumes++;
    } catch (error) {
      if (!isNotFound(error)) report.problems.push(`volume ${volume.Name}: ${errorMessage(error)}`);
    }
  }
  return report;
}
