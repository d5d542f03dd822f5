import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InterruptedError, RuntimeError, errorMessage } from '../errors.js';
import { freePort } from '../lifecycle/freePort.js';
import { LogTail } from '../lifecycle/logTail.js';
import { writeOwnerFile } from '../lifecycle/runOwner.js';
import { ProcessNode } from './processNode.js';
import type { Provider, ProviderContext, Started } from './provider.js';
import type { CommandRunner, NodePlacement, ServerSpec } from '../backends/serverSpec.js';
import { runName } from '../lifecycle/runNames.js';

/**
 * Daemons live in sbin, which a non-root user's PATH often lacks (Debian puts
 * mariadbd in /usr/sbin): looked at after PATH.
 */
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
/** Where a spec's in-memory run dir goes (memcached's warm-restart file). */
export const MEMORY_DIR = '/dev/shm';

const DEFAULT_START_TIMEOUT_MS = 30_000;
const HELPER_TIMEOUT_MS = 120_000;

/** The directories searched for a binary: PATH first, then the sbin folders. */
export function searchDirs(envPath: string | undefined): string[] {
  const dirs = (envPath ?? '').split(path.delimiter).filter(Boolean);
  return [...dirs, ...SBIN_DIRS.filter((d) => !dirs.includes(d))];
}

/** The absolute path of the first of `names` found (in order of names, then of dirs). */
export async function findBinary(
  names: string[],
  envPath = process.env.PATH,
): Promise<string | undefined> {
  for (const name of names) {
    if (name.includes('/')) {
      if (await isExecutable(name)) return path.resolve(name);
      continue;
    }
    for (const dir of searchDirs(envPath)) {
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The one lookup rule for every binary the process provider runs (servers and their
 * helpers), used by `list` and by starts alike: the path, or a RuntimeError naming
 * what is missing and where it was looked for.
 */
export async function requireBinary(names: string[], neededBy?: string): Promise<string> {
  const found = await findBinary(names);
  if (found) return found;
  throw new RuntimeError(
    `${names.join(' or ')} not found on PATH (or in ${SBIN_DIRS.join(', ')})` +
      (neededBy ? `: needed by ${neededBy}` : ''),
  );
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs a short command and resolves with stdout + stderr; rejects with its output's
 * tail. An abort of `signal` kills it and rejects with InterruptedError.
 */
export function runCommand(
  file: string,
  args: string[],
  timeoutMs = HELPER_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError(`interrupted before ${file} ran`));
    const tail = new LogTail(30);
    let output = '';
    // Its own process group: mariadb-install-db is a script whose mariadbd child keeps
    // the pipes open, so a kill must reach the whole group.
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(killGroup, timeoutMs);
    const onAbort = killGroup;
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      settle();
      reject(new RuntimeError(`cannot run ${file}: ${errorMessage(error)}`));
    });
    child.once('close', (code, killedBy) => {
      settle();
      if (signal?.aborted) {
        return reject(new InterruptedError(`interrupted while ${path.basename(file)} ran`));
      }
      if (code === 0) return resolve(output);
      for (const line of output.split('\n')) tail.push(line);
      const how = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`;
      reject(new RuntimeError(`${path.basename(file)} ${how}`, tail.tail()));
    });
  });
}

/** Which binary runs a spec here, and what it says it is. */
export interface BinaryProbe {
  binary: string;
  server: { name: string; version: string };
}

/**
 * Starts servers as local processes from the binaries on PATH: free 127.0.0.1
 * ports, a data dir per node under the run's temp folder, a pid file per node for
 * `session-bench clean`, and (on Linux, with util-linux's setpriv) a parent-death
 * signal so the servers die with session-bench even when it is SIGKILLed.
 */
export class ProcessProvider implements Provider {
  readonly name = 'process' as const;
  private readonly versions = new Map<string, Promise<BinaryProbe['server']>>();
  private wrapper: Promise<string[]> | undefined;

  async check(spec: ServerSpec): Promise<{ available: boolean; reason: string }> {
    try {
      const probe = await this.probe(spec);
      return {
        available: true,
        reason: `${probe.binary} (${probe.server.name} ${probe.server.version})`,
      };
    } catch (error) {
      return { available: false, reason: errorMessage(error) };
    }
  }

  /**
   * Finds the spec's binary, asks it for its version, and checks the helpers that
   * server needs are there too; throws when something is missing.
   */
  async probe(spec: ServerSpec): Promise<BinaryProbe> {
    const binary = await requireBinary(spec.binaries);
    let version = this.versions.get(binary);
    if (!version) {
      version = runCommand(binary, spec.versionArgs, 10_000).then((out) =>
        spec.parseVersion(out, binary),
      );
      this.versions.set(binary, version);
      version.catch(() => this.versions.delete(binary));
    }
    const server = await version;
    for (const helper of spec.helperBinaries?.(server) ?? []) {
      await requireBinary([helper], `${spec.variant} (${server.name}, beside ${binary})`);
    }
    return { binary, server };
  }

  async start(spec: ServerSpec, ctx: ProviderContext): Promise<Started> {
    const { binary, server } = await this.probe(spec);
    const wrapper = await this.deathSignalWrapper();
    const memoryRoot = spec.runDirInMemory
      ? await mkdtemp(path.join(MEMORY_DIR, `${runName(ctx.runId)}-`))
      : undefined;
    if (memoryRoot) await writeOwnerFile(memoryRoot);
    const nodes: ProcessNode[] = [];
    const stopAll = async () => {
      const outcomes = await Promise.allSettled(nodes.map((n) => n.stop()));
      if (memoryRoot) await rm(memoryRoot, { recursive: true, force: true });
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    };
    try {
      for (let index = 0; index < spec.nodes; index++) {
        if (ctx.signal.aborted) throw new InterruptedError('interrupted while starting servers');
        nodes.push(await this.startNode(spec, ctx, { binary, wrapper, index, memoryRoot }));
      }
    } catch (error) {
      await stopAll().catch(() => undefined);
      throw error;
    }
    const detail = wrapper.length
      ? 'servers get SIGKILL if session-bench dies (setpriv --pdeathsig)'
      : 'setpriv not found: servers left by a crash are removed by `session-bench clean`';
    return {
      provider: 'process',
      nodes,
      server,
      commandLine: nodes[0]!.commandLine,
      detail,
      stop: stopAll,
    };
  }

  private async startNode(
    spec: ServerSpec,
    ctx: ProviderContext,
    where: { binary: string; wrapper: string[]; index: number; memoryRoot?: string },
  ): Promise<ProcessNode> {
    const { binary, index } = where;
    const name = `node${index}`;
    const nodeDir = path.join(ctx.workDir, name);
    const placement: NodePlacement = {
      index,
      port: await freePort(),
      dataDir: path.join(nodeDir, 'data'),
      runDir: where.memoryRoot ? path.join(where.memoryRoot, name) : path.join(nodeDir, 'run'),
      runAsRoot: process.getuid?.() === 0,
    };
    await mkdir(placement.dataDir, { recursive: true });
    await mkdir(placement.runDir, { recursive: true, mode: 0o700 });
    for (const [file, content] of Object.entries(spec.files?.(placement) ?? {})) {
      const target = path.join(placement.runDir, file);
      await writeFile(target, content, { mode: 0o600 });
      await chmod(target, 0o600);
    }
    if (spec.prepare) {
      ctx.events.record(name, 'prepare', `data dir ${placement.dataDir}`);
      const run: CommandRunner = async (command, args) =>
        runCommand(await requireBinary([command], spec.variant), args, undefined, ctx.signal);
      await spec.prepare(placement, binary, run);
    }
    const node = new ProcessNode({
      name,
      binary,
      args: spec.args(placement, binary),
      port: placement.port,
      wrapper: where.wrapper,
      nodeDir,
      ready: () => spec.ready(`127.0.0.1:${placement.port}`, spec.settings),
      stopSignal: spec.stopSignal,
      startTimeoutMs: spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      restartInNextSecond: spec.restartInNextSecond ?? false,
      events: ctx.events,
      signal: ctx.signal,
    });
    await node.start();
    return node;
  }

  /** `setpriv --pdeathsig SIGKILL --` when util-linux has it (Linux only). */
  private deathSignalWrapper(): Promise<string[]> {
    this.wrapper ??= (async () => {
      if (process.platform !== 'linux') return [];
      const setpriv = await findBinary(['setpriv']);
      if (!setpriv) return [];
      const help = await runCommand(setpriv, ['--help'], 5_000).catch(() => '');
      return help.includes('--pdeathsig') ? [setpriv, '--pdeathsig', 'SIGKILL', '--'] : [];
    })();
    return this.wrapper;
  }
}

export const processProvider = new ProcessProvider();
