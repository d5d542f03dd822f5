import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from '../lifecycle/childProcess.js';
import { IpcRequests, type WithoutId } from '../lifecycle/ipcChild.js';
import { nodeArgsFor, siblingModule } from '../paths.js';
import type { LinkSpec, ProxyCommand, ProxyReply, Toxic } from './toxics.js';

const MAIN_MODULE = siblingModule(import.meta.url, 'proxyMain');
const START_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 2_000;

type Command = WithoutId<ProxyCommand>;

/** The name of a topology's front link (its virtual IP) among a run's links: `store` acts on it. */
export const FRONT_LINK = 'front';

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
  /** Forwards new connections to `upstream` (host:port), RSTs the open ones; how many. */
  retarget(upstream: string): Promise<number>;
}

/**
 * The fault proxy: a child process with one listener per node, controlled over IPC.
 * It must go on the run's cleanup stack (`stop`); it also exits by itself when this
 * process dies, because its IPC channel closes.
 */
export class FaultProxy {
  private readonly requests: IpcRequests<Command, ProxyReply>;
  readonly links = new Map<string, NetworkLink>();

  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    /** Called when the proxy exits without being asked to: the store lost its way to the nodes. */
    onDied: (detail: string) => void,
  ) {
    this.requests = new IpcRequests(child, 'the fault proxy', COMMAND_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
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
      const reply = await proxy.requests.send({ type: 'start', links: nodes }, START_TIMEOUT_MS);
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
    const send = (command: Command) => this.requests.send(command);
    return {
      name,
      endpoint: `127.0.0.1:${ports[name]}`,
      set: async (toxic) => void (await send({ type: 'set', link: name, toxic })),
      clear: async () => void (await send({ type: 'clear', link: name })),
      reset: async () => (await send({ type: 'reset', link: name })).affected ?? 0,
      retarget: async (upstream) =>
        (await send({ type: 'retarget', link: name, upstream })).affected ?? 0,
    };
  }
}
