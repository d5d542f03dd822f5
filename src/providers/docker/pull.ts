import type Docker from 'dockerode';
import { InterruptedError } from '../../errors.js';
import type { ProgressChannel } from '../../lifecycle/progressChannel.js';

/**
 * Pulls an image with one progress event per layer state change; rejects on the
 * daemon's error, and with InterruptedError (the stream destroyed) on abort.
 */
export async function pullImage(
  docker: Docker,
  image: string,
  signal: AbortSignal,
  progress?: ProgressChannel,
): Promise<void> {
  if (signal.aborted) throw new InterruptedError(`interrupted before pulling ${image}`);
  const stream = await docker.pull(image, { abortSignal: signal });
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(new InterruptedError(`interrupted while pulling ${image}`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      },
      pullProgress(image, progress),
    );
  });
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
