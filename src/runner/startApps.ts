import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../app/appConfig.js';
import { AppLinks } from '../app/appLinks.js';
import { AppProcess } from '../app/appProcess.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { freePort } from '../lifecycle/freePort.js';

/**
 * Starts `instances` app processes, app0..appN-1, each on its own port. Stores that
 * live in the app's machine (memory, disk) get one each, as separate web servers
 * would: a user who lands on another instance does not find their session there.
 * With `proxiedNodes`, each app runs its own proxy link to every node, on ports of its
 * own, and its store connects through them.
 */
export async function startApps(
  instances: number,
  base: Omit<AppConfig, 'port'>,
  ctx: { dataDir: string; events: EventLog; cleanup: CleanupStack; signal?: AbortSignal },
  proxiedNodes?: { name: string; endpoint: string }[],
): Promise<AppProcess[]> {
  const apps: AppProcess[] = [];
  for (let i = 0; i < instances; i++) {
    const name = `app${i}`;
    const dataDir = path.join(ctx.dataDir, name);
    await mkdir(dataDir, { recursive: true });
    const links = proxiedNodes && (await linksFor(name, proxiedNodes));
    const config: AppConfig = {
      ...base,
      port: await freePort(),
      store: { ...base.store, dataDir, ...(links ? { endpoints: links.endpoints } : {}) },
    };
    const app = new AppProcess(name, config, ctx.events, ctx.signal, links);
    apps.push(app);
    ctx.cleanup.push(app.name, () => app.stop());
    await app.start();
  }
  return apps;
}

async function linksFor(app: string, nodes: { name: string; endpoint: string }[]) {
  const specs = [];
  for (const node of nodes) {
    specs.push({ name: node.name, upstream: node.endpoint, port: await freePort() });
  }
  return new AppLinks(specs, `app ${app}`);
}
