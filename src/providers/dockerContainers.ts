import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { RuntimeError, errorMessage } from '../errors.js';

/** How long the daemon may take to answer a ping before it counts as absent. */
export const PING_TIMEOUT_MS = 3_000;

/** Every container and volume a run creates carries this label; `clean` removes by it. */
export const RUN_ID_LABEL = 'session-bench.run-id';
/** host:pid:startTime of the session-bench process that owns it (clean spares live runs). */
export const OWNER_LABEL = 'session-bench.owner';

/**
 * Every container runs as root, whatever the image's USER (memcached's official
 * image runs as memcache): the volume's folders are root's, and specs are told
 * `runAsRoot` so servers that refuse root get their flag (memcached -u, mariadbd --user).
 */
export const CONTAINER_USER = '0:0';

/** Where a node's data and run folders live inside its container (one volume per node). */
export const CONTAINER_ROOT = '/session-bench';
export const CONTAINER_DATA_DIR = `${CONTAINER_ROOT}/data`;
export const CONTAINER_RUN_DIR = `${CONTAINER_ROOT}/run`;

/** A client for the daemon DOCKER_HOST names (or the local socket). */
export function dockerClient(): Docker {
  return new Docker();
}

/** Splits a non-TTY log buffer (8-byte frame headers) into stdout and stderr text. */
export function demuxLogs(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** The last `lines` lines a container printed (stdout and stderr), for error messages. */
export async function containerLogTail(container: Docker.Container, lines = 40): Promise<string[]> {
  try {
    const raw = (await container.logs({
      stdout: true,
      stderr: true,
      tail: lines,
      follow: false,
    })) as unknown as Buffer;
    const { stdout, stderr } = demuxLogs(raw);
    return `${stdout}${stderr}`.split('\n').filter((l) => l.trim() !== '');
  } catch (error) {
    return [`(could not read the container's logs: ${errorMessage(error)})`];
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

/**
 * Containers and volumes alive right now. If the process dies without running its
 * cleanup stack (a second Ctrl-C, an uncaught error), the exit hook removes them
 * with the docker CLI, when there is one; `session-bench clean` covers the rest.
 */
const live = { containers: new Set<string>(), volumes: new Set<string>() };
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

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    const opts = { stdio: 'ignore', timeout: 20_000 } as const;
    if (live.containers.size) spawnSync('docker', ['rm', '-f', '-v', ...live.containers], opts);
    if (live.volumes.size) spawnSync('docker', ['volume', 'rm', '-f', ...live.volumes], opts);
  });
}

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
    // not-running: answers at once if the command already ended.
    const finished = container.wait({ condition: 'not-running' }) as Promise<{
      StatusCode: number;
    }>;
    // After a timeout or Ctrl-C nobody awaits it any more, and the forced remove below
    // may make it reject: that must not become an unhandled rejection.
    finished.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), job.timeoutMs);
      onAbort = () => resolve('aborted');
      job.signal.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([finished, stopped]);
    clearTimeout(timer);
    job.signal.removeEventListener('abort', onAbort);
    if (outcome === 'aborted') throw new RuntimeError('interrupted');
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

export interface TarEntry {
  /** Path inside the archive, no leading slash; folders end with '/'. */
  name: string;
  mode: number;
  content?: string;
}

/** A minimal ustar archive (root-owned folders and files), for Docker's putArchive. */
export function tarOf(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content ?? '', 'utf8');
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) =>
      header.write(value, offset, length, 'utf8');
    const octal = (offset: number, length: number, value: number) =>
      field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
    if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar name too long: ${entry.name}`);
    field(0, 100, entry.name);
    octal(100, 8, entry.mode);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, entry.name.endsWith('/') ? 0 : body.length);
    octal(136, 12, Math.floor(Date.now() / 1000));
    field(148, 8, ' '.repeat(8));
    field(156, 1, entry.name.endsWith('/') ? '5' : '0');
    field(257, 8, 'ustar\u000000');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header);
    if (!entry.name.endsWith('/') && body.length) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

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
