import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { memcachedBackend } from '../../src/backends/memcached.js';
import { MYSQL_FLUSH, mysqlBackend } from '../../src/backends/mysql.js';
import { POSTGRES_VARIANTS, postgresBackend } from '../../src/backends/postgres.js';
import { REDIS_PERSISTENCE, redisBackend } from '../../src/backends/redis.js';
import { OFFICIAL_IMAGES } from '../../src/providers/dockerImages.js';

interface Service {
  image: string;
  command?: string[];
  ports: string[];
  profiles?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
/** "redis:aof-always" -> "redis-aof-always" */
const serviceOf = (variant: string) => variant.replace(':', '-');

describe('docker-compose.yml', () => {
  it('has a service for every variant of the server backends', () => {
    // Replicated topologies (redis:sentinel, redis:cluster) are not one service each.
    const variants = [redisBackend, memcachedBackend, mysqlBackend, postgresBackend].flatMap((b) =>
      b.variants.filter((v) => !b.serverSpec!(v.id, { nodes: 1 }).topology).map((v) => v.id),
    );
    expect(Object.keys(services).sort()).toEqual(variants.map(serviceOf).sort());
  });

  it('defaults to the pinned official images, overridable per backend', () => {
    for (const [name, service] of Object.entries(services)) {
      const backend = name.split('-')[0]!;
      const variable = `SESSION_BENCH_IMAGE_${backend.toUpperCase()}`;
      expect(service.image, name).toBe(`\${${variable}:-${OFFICIAL_IMAGES[backend]}}`);
    }
  });

  it('publishes every port on 127.0.0.1 only', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.ports.length, name).toBe(1);
      expect(service.ports[0], name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('runs redis with each variant’s own persistence flags', () => {
    for (const [variant, flags] of Object.entries(REDIS_PERSISTENCE)) {
      const command = services[serviceOf(variant)]!.command!;
      const tail = command.slice(command.indexOf('/data') + 1);
      expect(tail, variant).toEqual(flags);
    }
  });

  it('runs mysql with each variant’s innodb_flush_log_at_trx_commit', () => {
    for (const [variant, flush] of Object.entries(MYSQL_FLUSH)) {
      expect(services[serviceOf(variant)]!.environment!.SESSION_BENCH_FLUSH, variant).toBe(
        String(flush),
      );
    }
  });

  it('runs postgres with each variant’s synchronous_commit (unlogged is the store’s table)', () => {
    for (const [variant, config] of Object.entries(POSTGRES_VARIANTS)) {
      const env = services[serviceOf(variant)]!.environment!;
      expect(env.SESSION_BENCH_SYNCHRONOUS_COMMIT, variant).toBe(config.synchronousCommit);
    }
  });

  it('starts one service per backend by default, the other variants by profile', () => {
    const always = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .map(([name]) => name);
    expect(always.sort()).toEqual(['memcached', 'mysql', 'postgres', 'redis']);
    for (const [name, service] of Object.entries(services)) {
      if (service.profiles) expect(service.profiles, name).toEqual([name.split('-')[0], 'all']);
    }
  });
});
