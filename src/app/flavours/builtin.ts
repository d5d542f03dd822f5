import type { CreateStore } from '../../backends/sessionStore.js';
import type { AppConfig } from '../appConfig.js';
import { createSessionHandler } from '../sessionApp.js';
import type { AppServer } from './appServer.js';

/** session-bench's own app over the backend's own SessionStore module. */
export async function builtinApp(config: AppConfig): Promise<AppServer> {
  const { default: createStore } = (await import(config.storeModule)) as { default: CreateStore };
  const store = await createStore(config.store);
  const handler = createSessionHandler(store, config);
  return { listener: (req, res) => void handler(req, res), close: () => store.close() };
}
