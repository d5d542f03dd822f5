import type Docker from 'dockerode';
import { RuntimeError, errorMessage } from '../../errors.js';
import { isNotFound } from './client.js';
import { untrackContainer, untrackVolume } from './exitHook.js';

/** What one node owns besides its server: volumes and helper containers. */
export interface Owned {
  volumes: string[];
  containers: Docker.Container[];
}

/** Removes containers (force, even paused) and then volumes; throws what failed. */
export async function removeOwned(docker: Docker, owned: Owned): Promise<void> {
  const problems: string[] = [];
  for (const container of owned.containers.splice(0).reverse()) {
    try {
      const state = (await container.inspect()).State;
      if (state.Paused) await container.unpause();
      await container.remove({ force: true, v: true });
    } catch (error) {
      if (!isNotFound(error))
        problems.push(`container ${container.id.slice(0, 12)}: ${errorMessage(error)}`);
    }
    untrackContainer(container.id);
  }
  for (const volume of owned.volumes.splice(0).reverse()) {
    try {
      await docker.getVolume(volume).remove({ force: true });
    } catch (error) {
      if (!isNotFound(error)) problems.push(`volume ${volume}: ${errorMessage(error)}`);
    }
    untrackVolume(volume);
  }
  if (problems.length) throw new RuntimeError(`docker cleanup: ${problems.join('; ')}`);
}
