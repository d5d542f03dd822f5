/**
 * Entry point of the fault proxy child process: one ProxyLink per node, driven by
 * ProxyCommand messages on the IPC channel. It shares no event loop with the load
 * generator, and exits when its parent goes away (even by SIGKILL: the channel closes).
 */
import { answerRequests } from '../lifecycle/ipcChild.js';
import { ProxyLink } from './proxyLink.js';
import type { ProxyCommand, ProxyReply } from './toxics.js';

const links = new Map<string, ProxyLink>();

function linkOf(name: string): ProxyLink {
  const link = links.get(name);
  if (!link) throw new Error(`no proxy link ${name} (links: ${[...links.keys()].join(', ')})`);
  return link;
}

async function handle(command: ProxyCommand): Promise<Omit<ProxyReply & { ok: true }, 'id'>> {
  switch (command.type) {
    case 'start': {
      const ports: Record<string, number> = {};
      for (const spec of command.links) {
        const link = new ProxyLink(spec);
        links.set(spec.name, link);
        ports[spec.name] = await link.listen();
      }
      return { ok: true, ports };
    }
    case 'set':
      await linkOf(command.link).set(command.toxic);
      return { ok: true };
    case 'clear':
      await linkOf(command.link).clear();
      return { ok: true };
    case 'reset':
      return { ok: true, affected: linkOf(command.link).reset() };
    case 'retarget':
      return { ok: true, affected: linkOf(command.link).retarget(command.upstream) };
  }
}

answerRequests(handle);

process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the runner stops the proxy in its cleanup
// order (SIGTERM), after the load: dying first would read as an unplanned death.
process.on('SIGINT', () => undefined);
process.once('SIGTERM', () => {
  void Promise.all([...links.values()].map((l) => l.close())).finally(() => process.exit(0));
});
