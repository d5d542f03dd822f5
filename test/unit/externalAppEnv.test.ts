import { describe, expect, it } from 'vitest';
import { externalAppEnv } from '../../src/app/externalAppEnv.js';

describe('the environment --app-command gets', () => {
  it('names the port, the store nodes and each backend setting', () => {
    const env = externalAppEnv({
      url: 'http://127.0.0.1:3000',
      port: 3000,
      backend: 'mysql',
      payloadBytes: 512,
      store: {
        variant: 'mysql:flush2',
        ttlMs: 3_600_000,
        secret: 's3cret',
        dataDir: '/tmp/run/app0',
        endpoints: ['127.0.0.1:3306', '127.0.0.1:3307'],
        settings: { user: 'root', password: 'pw', database: 'sessions', keyPrefix: 'sb:1:' },
      },
    });
    expect(env).toEqual({
      PORT: '3000',
      SESSION_BENCH_APP_URL: 'http://127.0.0.1:3000',
      SESSION_BENCH_BACKEND: 'mysql',
      SESSION_BENCH_VARIANT: 'mysql:flush2',
      SESSION_BENCH_STORE_ENDPOINTS: '127.0.0.1:3306,127.0.0.1:3307',
      SESSION_BENCH_STORE_USER: 'root',
      SESSION_BENCH_STORE_PASSWORD: 'pw',
      SESSION_BENCH_STORE_DATABASE: 'sessions',
      SESSION_BENCH_STORE_KEY_PREFIX: 'sb:1:',
      SESSION_BENCH_DATA_DIR: '/tmp/run/app0',
      SESSION_BENCH_SESSION_TTL_MS: '3600000',
      SESSION_BENCH_PAYLOAD_BYTES: '512',
      SESSION_BENCH_SECRET: 's3cret',
    });
  });

  it('an embedded backend has no store endpoints: the variable is there, empty', () => {
    const env = externalAppEnv({
      url: 'http://[::1]:8080',
      port: 8080,
      backend: 'memory',
      payloadBytes: 1024,
      store: { variant: 'memory', ttlMs: 1000, secret: 'x' },
    });
    expect(env.SESSION_BENCH_STORE_ENDPOINTS).toBe('');
    expect(env.PORT).toBe('8080');
    expect(Object.keys(env).filter((k) => k.startsWith('SESSION_BENCH_STORE_'))).toEqual([
      'SESSION_BENCH_STORE_ENDPOINTS',
    ]);
  });
});
