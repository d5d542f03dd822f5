import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../app/appConfig.js';
import { AppProcess } from '../app/appProcess.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import { freePort } from '../lifecycle/freePort.js';

/**
 * Starts `instances` app processes, app0..appN-1, each on its own port. Stores that
 * live in the app's machine (memory, disk) get one each, as separate web servers
 * would: a user who lands on another instance does not find their session there.
 */
export async function startApps(
  instances: number,
  base: Omit<AppConfig, 'port'>,
  ctx: { dataDir: string; events: EventLog; cleanup: CleanupStack; signal?: AbortSignal },
): Promise<AppProcess[]> {
  const apps: AppProcess[] = [];
  for (let i = 0; i < instances; i++) {
    const dataDir = path.join(ctx.dataDir, `app${i}`);
    await mkdir(dataDir, { recursive: true });
    const config: AppConfig = {
      ...base,
      port: await freePort(),
      store: { ...base.store, dataDir },
    };
    const app = new AppProcess(`app${i}`, config, ctx.events, ctx.signal);
    apps.push(app);
    ctx.cleanup.push(app.name, () => app.stop());
    await app.start();
  }
  return apps;
}
