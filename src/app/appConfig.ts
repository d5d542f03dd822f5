import type { StoreOptions } from '../backends/sessionStore.js';
import type { AppFlavour, AppOptions } from '../config/appFlavour.js';
import type { LinkSpec } from '../network/toxics.js';

/** Passed from the runner to the app child process in one environment variable. */
export interface AppConfig {
  port: number;
  /** Which app serves the contract (src/app/flavours/); builtin (the default) uses `storeModule`. */
  flavour?: AppFlavour;
  /** Middleware options as written (`resave=false`), for every flavour but builtin. */
  options?: AppOptions;
  /** file: URL of the store module (default export: CreateStore). */
  storeModule: string;
  store: StoreOptions;
  payloadBytes: number;
  /** A store call slower than this answers 503, never "not logged in". */
  storeTimeoutMs: number;
  /**
   * The fault proxy's links to the nodes, run in the app's own process: the store's
   * endpoints are their ports. Each has its port (kept across restarts) and the toxic
   * in force when this process was started.
   */
  proxyLinks?: LinkSpec[];
}

export const APP_CONFIG_ENV = 'SESSION_BENCH_APP_CONFIG';

/** The one line the app prints on stdout once it listens. */
export const READY_LINE = 'session-bench-app ready';
