import { ProxyLink } from './proxyLink.js';
import type { LinkSpec, ProxyCommand, ProxyReply } from './toxics.js';

type Answer = Omit<ProxyReply & { ok: true }, 'id'>;

/**
 * The proxy links of one process (the proxy child, or the app when the links run in
 * it), driven by ProxyCommand messages. A command that arrives before `start` has
 * listened waits for it: an app restarted during a fault is told its toxic again
 * while it is still starting.
 */
export class LinkHost {
  private readonly links = new Map<string, ProxyLink>();
  private started: Promise<unknown> | undefined;

  handle(command: ProxyCommand): Promise<Answer> {
    if (command.type === 'start') {
      const started = this.start(command.links);
      this.started = started;
      return started;
    }
    return (this.started ?? Promise.resolve()).then(() => this.act(command));
  }

  private async start(specs: LinkSpec[]): Promise<Answer> {
    const ports: Record<string, number> = {};
    for (const spec of specs) {
      const link = new ProxyLink(spec);
      this.links.set(spec.name, link);
      ports[spec.name] = await link.listen(spec.port);
      if (spec.toxic) await link.set(spec.toxic);
    }
    return { ok: true, ports };
  }

  private async act(command: Exclude<ProxyCommand, { type: 'start' }>): Promise<Answer> {
    const link = this.linkOf(command.link);
    switch (command.type) {
      case 'set':
        await link.set(command.toxic);
        return { ok: true };
      case 'clear':
        await link.clear();
        return { ok: true };
      case 'reset':
        return { ok: true, affected: link.reset() };
      case 'retarget':
        return { ok: true, affected: link.retarget(command.upstream) };
    }
  }

  private linkOf(name: string): ProxyLink {
    const link = this.links.get(name);
    if (!link) {
      throw new Error(`no proxy link ${name} (links: ${[...this.links.keys()].join(', ')})`);
    }
    return link;
  }

  close(): Promise<void> {
    return Promise.all([...this.links.values()].map((l) => l.close())).then(() => undefined);
  }
}
