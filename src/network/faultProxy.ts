import { spawn, type ChildProcess } from 'node:child_process';
import { RuntimeError } from '../errors.js';
import { stopChild } from '../lifecycle/childProcess.js';
import { nodeArgsFor } from '../paths.js';
import type { LinkSpec, ProxyCommand, ProxyReply, Toxic } from './toxics.js';

const MAIN_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './proxyMain.ts' : './proxyMain.js',
  import.meta.url,
);
const START_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 2_000;

type Command = ProxyCommand extends infer C
  ? C extends ProxyCommand
    ? Omit<C, 'id'>
    : never
  : never;

/** The network side of one node: what a network fault acts on. */
export interface NetworkLink {
  /** The node's name (node0..): the fault target it stands in front of. */
  readonly name: string;
  /** Where the store connects instead of the node, 127.0.0.1:port. */
  readonly endpoint: string;
  set(toxic: Toxic): Promise<void>;
  clear(): Promise<void>;
  /** RSTs every open connection; resolves with how many there were. */
  reset(): Promise<number>;
}

/**
 * The fault proxy: a child process with one listener per node, controlled over IPC.
 * It must go on the run's cleanup stack (`stop`); it also exits by itself when this
 * process dies, because its IPC channel closes.
 */
export class FaultProxy {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ProxyReply) => void>();
  readonly links = new Map<string, NetworkLink>();

  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    /** Called when the proxy exits without being asked to: the store lost its way to the nodes. */
    onDied: (detail: string) => void,
  ) {
    child.on('message', (reply: ProxyReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    // A failed send (the child just died) is reported by the exit below; it must not
    // become an uncaught 'error' that ends session-bench.
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      const error = `the fault proxy exited (${signal ?? `code ${code}`})`;
      for (const [id, answer] of this.pending) answer({ id, ok: false, error });
      this.pending.clear();
      if (!this.stopping) onDied(signal ?? `code ${code}`);
    });
  }

  /** Starts the child and one listener per node; `nodes` maps node name → host:port. */
  static async start(
    nodes: LinkSpec[],
    onDied: (detail: string) => void = () => {},
  ): Promise<FaultProxy> {
    const child = spawn(process.execPath, nodeArgsFor(MAIN_MODULE), {
      // Its stdout is not ours: `run --json` prints the result there.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const proxy = new FaultProxy(child, onDied);
    try {
      const reply = await proxy.send({ type: 'start', links: nodes }, START_TIMEOUT_MS);
      for (const spec of nodes) proxy.links.set(spec.name, proxy.linkFor(spec.name, reply.ports!));
      return proxy;
    } catch (error) {
      await proxy.stop();
      throw error;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): Promise<void> {
    this.stopping = true;
    return stopChild(this.child, 'SIGTERM', STOP_GRACE_MS);
  }

  private linkFor(name: string, ports: Record<string, number>): NetworkLink {
    return {
      name,
      endpoint: `127.0.0.1:${ports[name]}`,
      set: async (toxic) => void (await this.send({ type: 'set', link: name, toxic })),
      clear: async () => void (await this.send({ type: 'clear', link: name })),
      reset: async () => (await this.send({ type: 'reset', link: name })).affected ?? 0,
    };
  }

  private send(
    command: Command,
    timeoutMs = COMMAND_TIMEOUT_MS,
  ): Promise<ProxyReply & { ok: true }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new RuntimeError(`the fault proxy did not answer ${command.type} in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply);
        else reject(new RuntimeError(`fault proxy ${command.type}: ${reply.error}`));
      });
      if (!this.child.connected) {
        this.pending.delete(id);
        clearTimeout(timer);
        return reject(new RuntimeError('the fault proxy is not running'));
      }
      this.child.send({ id, ...command }, (error) => {
        if (!error || !this.pending.delete(id)) return;
        clearTimeout(timer);
        reject(new RuntimeError(`the fault proxy did not take ${command.type}: ${error.message}`));
      });
    });
  }
}
