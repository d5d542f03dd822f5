import type { ChildProcess } from 'node:child_process';
import { IpcRequests, type WithoutId } from '../lifecycle/ipcChild.js';
import type { NetworkLink } from '../network/faultProxy.js';
import type { LinkSpec, ProxyCommand, ProxyReply, Toxic } from '../network/toxics.js';

const COMMAND_TIMEOUT_MS = 5_000;

/**
 * The fault proxy's links inside one app process (topology.proxyProcess app), seen
 * from the runner. They live and die with the app: a killed app takes its links
 * along, as it takes its own connections to the store. So the toxic in force is kept
 * here, and a new app process is started with it (`specsForStart`); one changed while
 * the app was starting or paused is sent once it answers again (`deliver`).
 */
export class AppLinks {
  private readonly toxics = new Map<string, Toxic>();
  private requests: IpcRequests<WithoutId<ProxyCommand>, ProxyReply> | undefined;
  private ready = false;
  /** A toxic set or cleared while the app could not be told: sent when it can. */
  private changedSinceStart = false;

  constructor(
    private readonly specs: LinkSpec[],
    /** "app app0": names the app in errors. */
    private readonly label: string,
  ) {}

  /** Where the store connects: each link's port, in the nodes' order. */
  get endpoints(): string[] {
    return this.specs.map((s) => `127.0.0.1:${s.port}`);
  }

  /** The links for a new app process, each with the toxic in force now. */
  specsForStart(): LinkSpec[] {
    this.changedSinceStart = false;
    return this.specs.map((spec) => {
      const toxic = this.toxics.get(spec.name);
      return toxic ? { ...spec, toxic } : spec;
    });
  }

  /** A new app process was spawned: commands are kept until it is ready (`deliver`). */
  attach(child: ChildProcess): void {
    this.requests = new IpcRequests(child, `${this.label}'s proxy links`, COMMAND_TIMEOUT_MS);
    this.hold();
  }

  /** The app cannot answer now (starting, paused): commands are kept, not sent. */
  hold(): void {
    this.ready = false;
  }

  /** The app answers again: what changed while it could not is sent now. */
  async deliver(): Promise<void> {
    this.ready = true;
    if (!this.changedSinceStart) return;
    this.changedSinceStart = false;
    for (const { name } of this.specs) await this.apply(name);
  }

  link(name: string): NetworkLink {
    const spec = this.specs.find((s) => s.name === name)!;
    return {
      name,
      endpoint: `127.0.0.1:${spec.port}`,
      set: (toxic) => {
        this.toxics.set(name, toxic);
        return this.apply(name);
      },
      clear: () => {
        this.toxics.delete(name);
        return this.apply(name);
      },
      // An app that is down has no connection to reset.
      reset: async () =>
        this.reachable() ? ((await this.send({ type: 'reset', link: name })).affected ?? 0) : 0,
      retarget: () => Promise.reject(new Error(`${name}: an app's own link is not moved`)),
    };
  }

  private async apply(name: string): Promise<void> {
    if (!this.reachable()) {
      this.changedSinceStart = true;
      return;
    }
    const toxic = this.toxics.get(name);
    await this.send(toxic ? { type: 'set', link: name, toxic } : { type: 'clear', link: name });
  }

  private reachable(): boolean {
    return this.ready && this.requests?.open === true;
  }

  private send(command: WithoutId<ProxyCommand>) {
    return this.requests!.send(command);
  }
}
