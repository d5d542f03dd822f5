import { spawnSync } from 'node:child_process';

/**
 * Containers, volumes and networks alive right now. If the process dies without running its
 * cleanup stack (a second Ctrl-C, an uncaught error), the exit hook removes them
 * with the docker CLI, when there is one; the watchdog (watchdog.ts) covers SIGKILL,
 * `session-bench clean` the rest.
 */
const live = {
  containers: new Set<string>(),
  volumes: new Set<string>(),
  networks: new Set<string>(),
};
let exitHookInstalled = false;

export function trackContainer(id: string): void {
  live.containers.add(id);
  installExitHook();
}

export function untrackContainer(id: string): void {
  live.containers.delete(id);
}

export function trackVolume(name: string): void {
  live.volumes.add(name);
  installExitHook();
}

export function untrackVolume(name: string): void {
  live.volumes.delete(name);
}

export function trackNetwork(id: string): void {
  live.networks.add(id);
  installExitHook();
}

export function untrackNetwork(id: string): void {
  live.networks.delete(id);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    const opts = { stdio: 'ignore', timeout: 20_000 } as const;
    if (live.containers.size) spawnSync('docker', ['rm', '-f', '-v', ...live.containers], opts);
    if (live.volumes.size) spawnSync('docker', ['volume', 'rm', '-f', ...live.volumes], opts);
    if (live.networks.size) spawnSync('docker', ['network', 'rm', ...live.networks], opts);
  });
}
