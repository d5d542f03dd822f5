import type Docker from 'dockerode';
import { InterruptedError, RuntimeError } from '../../errors.js';
import { trackContainer, untrackContainer } from './exitHook.js';
import { containerLogTail, demuxLogs } from './logs.js';
import { CONTAINER_USER } from './paths.js';

export interface OneShot {
  image: string;
  /** Run by /bin/sh -c with `args` as "$@". */
  script: string;
  args: string[];
  labels: Record<string, string>;
  /** The node's volumes, as its server container has them. */
  mounts?: Docker.MountSettings[];
  timeoutMs: number;
  signal: AbortSignal;
}

/** Runs a short command in a throwaway container (no network) and returns its output. */
export async function runOnce(
  docker: Docker,
  job: OneShot,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  if (job.signal.aborted) throw new InterruptedError('interrupted before a container started');
  const container = await docker.createContainer({
    Image: job.image,
    User: CONTAINER_USER,
    Entrypoint: ['/bin/sh', '-c', job.script, 'session-bench'],
    Cmd: job.args,
    Labels: job.labels,
    HostConfig: {
      NetworkMode: 'none',
      Mounts: job.mounts,
    },
  });
  trackContainer(container.id);
  try {
    await container.start();
    const outcome = await finishedOrStopped(container, job);
    if (outcome === 'aborted') {
      throw new InterruptedError(`interrupted while ${job.args[0] ?? 'a command'} ran`);
    }
    if (outcome === 'timeout') {
      throw new RuntimeError(
        `${job.args[0] ?? 'command'} did not finish within ${job.timeoutMs} ms in ${job.image}`,
        await containerLogTail(container),
      );
    }
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown;
    return { exitCode: outcome.StatusCode, ...demuxLogs(raw as Buffer) };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
    untrackContainer(container.id);
  }
}

/** The container's exit, or why we stopped waiting for it. */
async function finishedOrStopped(
  container: Docker.Container,
  job: OneShot,
): Promise<{ StatusCode: number } | 'timeout' | 'aborted'> {
  // not-running: answers at once if the command already ended.
  const finished = container.wait({ condition: 'not-running' }) as Promise<{
    StatusCode: number;
  }>;
  // After a timeout or Ctrl-C nobody awaits it any more, and the forced remove
  // may make it reject: that must not become an unhandled rejection.
  finished.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), job.timeoutMs);
    onAbort = () => resolve('aborted');
    if (job.signal.aborted) onAbort();
    job.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([finished, stopped]);
  } finally {
    clearTimeout(timer);
    job.signal.removeEventListener('abort', onAbort);
  }
}
