import { spawn, type ChildProcess } from 'node:child_process';
import { IpcRequests, type WithoutId } from '../lifecycle/ipcChild.js';
import { stopChild } from '../lifecycle/childProcess.js';
import { nodeArgsFor, siblingModule } from '../paths.js';
import {
  NEIGHBOR_CONFIG_ENV,
  type NeighborCommand,
  type NeighborConfig,
  type NeighborPhase,
  type NeighborReply,
} from './neighborProtocol.js';

const MAIN_MODULE = siblingModule(import.meta.url, 'neighborMain');
/** Filling 10,000 rows takes well under a second; a slow disk gets this long. */
const PREPARE_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 5_000;
const FINISH_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 2_000;

type Command = WithoutId<NeighborCommand>;

/**
 * The database's other work beside the session load (`--neighbor oltp`): a child
 * process with its own table or keys, sent open-loop at a fixed rate. The runner
 * names the phases (alone first, then beside each session rate) and reads each
 * phase's latency at the end. It must go on the run's cleanup stack (`stop`).
 */
export class NeighborWorkload {
  private readonly requests: IpcRequests<Command, NeighborReply>;

  private constructor(private readonly child: ChildProcess) {
    this.requests = new IpcRequests(child, 'the neighbour workload', COMMAND_TIMEOUT_MS);
  }

  /** Starts the child and creates its table; nothing is sent until `start`. */
  static async prepare(config: NeighborConfig): Promise<NeighborWorkload> {
    const child = spawn(process.execPath, nodeArgsFor(MAIN_MODULE), {
      env: { ...process.env, [NEIGHBOR_CONFIG_ENV]: JSON.stringify(config) },
      // Its stdout is not ours: `run --json` prints the result there.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const workload = new NeighborWorkload(child);
    try {
      await workload.requests.send({ type: 'prepare' }, PREPARE_TIMEOUT_MS);
      return workload;
    } catch (error) {
      await workload.stop();
      throw error;
    }
  }

  async start(phase: string): Promise<void> {
    await this.requests.send({ type: 'start', phase });
  }

  async phase(phase: string): Promise<void> {
    await this.requests.send({ type: 'phase', phase });
  }

  /** Stops sending, removes its table, and gives each phase's figures. */
  async finish(): Promise<{ phases: NeighborPhase[]; cleanup: string }> {
    const reply = await this.requests.send({ type: 'finish' }, FINISH_TIMEOUT_MS);
    return { phases: reply.phases ?? [], cleanup: reply.cleanup ?? '' };
  }

  stop(): Promise<void> {
    return stopChild(this.child, 'SIGTERM', STOP_GRACE_MS);
  }
}
