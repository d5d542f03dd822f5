import type Docker from 'dockerode';
import { errorMessage } from '../../errors.js';
import { isNotFound } from './client.js';
import { trackNetwork, untrackNetwork } from './exitHook.js';

/**
 * A bridge network of one variant's own: its servers listen on 0.0.0.0 inside their
 * containers (protected mode off, root@'%'), and Docker's isolation rules keep
 * containers on other networks (the default bridge included) from reaching them.
 * Published ports stay on 127.0.0.1 for the tool and the app.
 */
export async function createOwnNetwork(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<string> {
  const network = await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { ...labels, 'session-bench.role': 'network' },
  });
  trackNetwork(network.id);
  return network.id;
}

/** Removes the network (after its containers); gone already is fine. */
export async function removeNetwork(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getNetwork(id).remove();
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`network ${id.slice(0, 12)}: ${errorMessage(error)}`);
  }
  untrackNetwork(id);
}
