import Docker from 'dockerode';
import { errorMessage } from '../../errors.js';

/** How long the daemon may take to answer a ping before it counts as absent. */
export const PING_TIMEOUT_MS = 3_000;

/**
 * How long any other call may wait for the daemon's first answer (its response
 * headers). Above the longest call that answers only when done: a `docker stop`
 * with its 30 s grace. Streams (attach, logs, pull progress) and waits answer at once
 * and are bounded by their callers.
 */
export const DOCKER_ANSWER_TIMEOUT_MS = 60_000;

/**
 * A client for the daemon DOCKER_HOST names (or the local socket). Every request
 * is bounded: a DOCKER_HOST that accepts and never answers must not keep the
 * process alive after the caller gave up.
 */
export function dockerClient(): Docker {
  // docker-modem's connectionTimeout: until the response starts; @types/dockerode lacks it.
  return new Docker({ connectionTimeout: DOCKER_ANSWER_TIMEOUT_MS } as Docker.DockerOptions);
}

/**
 * Resolves when the daemon answers a ping within PING_TIMEOUT_MS; otherwise
 * rejects and aborts the request, so no socket is left open.
 */
export async function pingDocker(docker: Docker, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  try {
    // dockerode passes abortSignal to the request; @types/dockerode's ping lacks it.
    const ping = docker.ping.bind(docker) as (opts: {
      abortSignal: AbortSignal;
    }) => Promise<unknown>;
    await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = (error as { name?: string } | null)?.name;
    if (name === 'AbortError' || name === 'TimeoutError') {
      throw new Error(`docker ping timed out after ${timeoutMs} ms`);
    }
    throw error;
  }
}

/** The daemon's own message ("... no such host"), without dockerode's HTTP preamble. */
export function dockerMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  return typeof json?.message === 'string' ? json.message : errorMessage(error);
}

/** HTTP 404 from the daemon: the thing is already gone. */
export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | null)?.statusCode === 404;
}
