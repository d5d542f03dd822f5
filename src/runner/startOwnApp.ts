import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AttachedApp } from '../app/attachedApp.js';
import { ExternalApp } from '../app/externalApp.js';
import { externalAppEnv } from '../app/externalAppEnv.js';
import type { RunningApp } from '../app/runningApp.js';
import type { StoreOptions } from '../backends/sessionStore.js';
import type { AppPlan } from '../config/planSchema.js';
import type { CleanupStack } from '../lifecycle/cleanupStack.js';
import type { EventLog } from '../lifecycle/eventLog.js';
import type { VariantResult } from '../result/result.js';

/** What every report shows for the user's own app; its packages are not ours to know. */
export function externalAppResult(): NonNullable<VariantResult['app']> {
  return { flavour: 'external', options: {}, packages: [] };
}

/**
 * The user's own app (`--app-url`), one instance named app0: started by session-bench
 * with `--app-command` (then app faults act on it), else only checked to answer.
 */
export async function startOwnApp(
  app: AppPlan & { url: string },
  setup: { backend: string; store: StoreOptions; payloadBytes: number },
  ctx: { dataDir: string; events: EventLog; cleanup: CleanupStack; signal?: AbortSignal },
): Promise<RunningApp> {
  const name = 'app0';
  if (app.command === undefined) {
    const attached = new AttachedApp(name, app.url, ctx.events);
    await attached.check(ctx.signal);
    return attached;
  }
  const { hostname, port } = new URL(app.url);
  const dataDir = path.join(ctx.dataDir, name);
  await mkdir(dataDir, { recursive: true });
  const env = externalAppEnv({
    ...setup,
    url: app.url,
    port: Number(port),
    store: { ...setup.store, dataDir },
  });
  const started = new ExternalApp(
    name,
    {
      url: app.url,
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port),
      command: app.command,
      env,
    },
    ctx.events,
    ctx.signal,
  );
  ctx.cleanup.push(name, () => started.stop());
  await started.start();
  return started;
}
