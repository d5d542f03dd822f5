import type { StoreOptions } from '../backends/sessionStore.js';

/**
 * The environment `--app-command` gets: where to listen and where the store
 * session-bench started is, so the user's app can connect to it. These names are a
 * documented contract (README "Your own app"): change them only with the README.
 */
export const EXTERNAL_APP_ENV = {
  port: 'PORT',
  url: 'SESSION_BENCH_APP_URL',
  backend: 'SESSION_BENCH_BACKEND',
  variant: 'SESSION_BENCH_VARIANT',
  /** host:port of every store node, comma-separated (empty for memory, disk, cookie). */
  endpoints: 'SESSION_BENCH_STORE_ENDPOINTS',
  /** One variable per backend setting: SESSION_BENCH_STORE_USER, _PASSWORD, _DATABASE, ... */
  settingPrefix: 'SESSION_BENCH_STORE_',
  dataDir: 'SESSION_BENCH_DATA_DIR',
  ttlMs: 'SESSION_BENCH_SESSION_TTL_MS',
  payloadBytes: 'SESSION_BENCH_PAYLOAD_BYTES',
  secret: 'SESSION_BENCH_SECRET',
} as const;

export interface ExternalAppSetup {
  url: string;
  port: number;
  backend: string;
  store: StoreOptions;
  payloadBytes: number;
}

/** keyPrefix → KEY_PREFIX: a setting's name as its variable's suffix. */
function settingVariable(name: string): string {
  return EXTERNAL_APP_ENV.settingPrefix + name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The variables for one start of the user's app (added to session-bench's own environment). */
export function externalAppEnv(setup: ExternalAppSetup): Record<string, string> {
  const { store } = setup;
  const env: Record<string, string> = {
    [EXTERNAL_APP_ENV.port]: String(setup.port),
    [EXTERNAL_APP_ENV.url]: setup.url,
    [EXTERNAL_APP_ENV.backend]: setup.backend,
    [EXTERNAL_APP_ENV.variant]: store.variant,
    [EXTERNAL_APP_ENV.endpoints]: (store.endpoints ?? []).join(','),
    [EXTERNAL_APP_ENV.ttlMs]: String(store.ttlMs),
    [EXTERNAL_APP_ENV.payloadBytes]: String(setup.payloadBytes),
    [EXTERNAL_APP_ENV.secret]: store.secret,
  };
  if (store.dataDir) env[EXTERNAL_APP_ENV.dataDir] = store.dataDir;
  for (const [name, value] of Object.entries(store.settings ?? {})) {
    env[settingVariable(name)] = value;
  }
  return env;
}
