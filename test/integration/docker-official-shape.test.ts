import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { tarOf } from '../../src/providers/docker/tar.js';
import { OFFLINE_IMAGE } from '../../src/providers/dockerImages.js';
import { docker, dockerReady, expectEveryoneLoggedOut, labelled } from '../helpers/docker.js';
import { SHORT_LOAD, expectNobodyLost } from '../helpers/processServers.js';
import { resultFor, runSmoke } from '../helpers/runScenario.js';

const available = await dockerReady();

/**
 * No registry is reachable here, so the official images cannot be pulled (the
 * GitHub workflow runs them). These images are built from the offline base in
 * their shape: the server binary in /usr/local/bin, a non-root USER, a VOLUME and
 * an ENTRYPOINT of their own (one that does not exist: using it would fail).
 */
const SHAPES: Record<string, { image: string; dockerfile: string[] }> = {
  redis: {
    image: 'session-bench/test-official-shape-redis:1',
    dockerfile: [
      // Debian's redis-server is a link to redis-check-rdb (one binary, named by argv[0]).
      'RUN cp -L /usr/bin/redis-server /usr/local/bin/redis-server && rm /usr/bin/redis-server',
      'VOLUME /data',
      'WORKDIR /data',
      'USER redis',
      'CMD ["redis-server"]',
    ],
  },
  memcached: {
    image: 'session-bench/test-official-shape-memcached:1',
    dockerfile: [
      'RUN mv /usr/bin/memcached /usr/local/bin/memcached',
      'VOLUME /data',
      'USER memcache',
      'CMD ["memcached"]',
    ],
  },
  mysql: {
    image: 'session-bench/test-official-shape-mysql:1',
    dockerfile: [
      // mariadb-install-db looks for the server where Debian built it to be.
      'RUN mv /usr/sbin/mariadbd /usr/local/bin/mariadbd && ln -s /usr/local/bin/mariadbd /usr/sbin/mariadbd',
      'VOLUME /var/lib/mysql',
      'USER mysql',
      'CMD ["mariadbd"]',
    ],
  },
  postgres: {
    image: 'session-bench/test-official-shape-postgres:1',
    dockerfile: [
      // The official image: binaries moved off Debian's folder, on PATH by ENV; runs as
      // root (its entrypoint switches to postgres with gosu); a data VOLUME; SIGINT.
      'RUN mv /usr/lib/postgresql/15 /usr/lib/postgresql/17',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/17/bin',
      'ENV PGDATA=/var/lib/postgresql/data',
      'VOLUME /var/lib/postgresql/data',
      'STOPSIGNAL SIGINT',
      'CMD ["postgres"]',
    ],
  },
};

async function build(image: string, lines: string[]): Promise<void> {
  const dockerfile = [
    `FROM ${OFFLINE_IMAGE}`,
    ...lines,
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
  ].join('\n');
  const stream = await docker.buildImage(
    tarOf([
      { name: 'Dockerfile', mode: 0o644, content: dockerfile },
    ]) as unknown as NodeJS.ReadableStream,
    { t: image, rm: true, forcerm: true },
  );
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`building ${image}: ${failed}`));
      else resolve(null);
    }),
  );
}

/** Official-like images under the `official` image set, bridge networking as on a runner. */
const OFFICIAL_SHAPE_LOAD = {
  ...SHORT_LOAD,
  provider: 'docker',
  imageSet: 'official',
  dockerNetwork: 'bridge',
};

function expectRanOnShape(result: VariantResult, backend: string): void {
  const { image } = SHAPES[backend]!;
  expect(result.provider).toBe('docker');
  expect(result.providerReason).toContain(`image ${image}`);
  expect(result.serverCommand).toContain(`--entrypoint /bin/sh ${image}`);
  expect(result.faults[0]!.status, result.variant).toBe('done');
  expect(result.audit.wrongUserSessions, result.variant).toBe(0);
}

describe.skipIf(!available)('loss checks on images shaped like the official ones', () => {
  let run: RunResult | undefined;

  beforeAll(async () => {
    for (const [backend, shape] of Object.entries(SHAPES)) {
      await build(shape.image, shape.dockerfile);
      process.env[`SESSION_BENCH_IMAGE_${backend.toUpperCase()}`] = shape.image;
    }
  }, 120_000);

  afterAll(async () => {
    for (const [backend, shape] of Object.entries(SHAPES)) {
      delete process.env[`SESSION_BENCH_IMAGE_${backend.toUpperCase()}`];
      await docker
        .getImage(shape.image)
        .remove()
        .catch(() => undefined);
    }
    if (run)
      expect(await labelled(run.runId)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('redis:none loses everyone and redis:aof-always nobody; memcached everyone; mysql and postgres nobody', async () => {
    run = await runSmoke({
      ...OFFICIAL_SHAPE_LOAD,
      backends: 'redis:none,redis:aof-always,memcached,mysql,postgres',
      faults: ['kill:node0@2s'],
    });
    for (const variant of ['redis:none', 'redis:aof-always']) {
      expectRanOnShape(resultFor(run, variant), 'redis');
    }
    expectEveryoneLoggedOut(resultFor(run, 'redis:none'));
    expectNobodyLost(resultFor(run, 'redis:aof-always'));
    expectRanOnShape(resultFor(run, 'memcached'), 'memcached');
    expectEveryoneLoggedOut(resultFor(run, 'memcached'));
    const mysql = resultFor(run, 'mysql');
    expectRanOnShape(mysql, 'mysql');
    expect(mysql.serverCommand).toContain('--secure-file-priv=');
    expectNobodyLost(mysql);
    const postgres = resultFor(run, 'postgres');
    expectRanOnShape(postgres, 'postgres');
    // Found on the image's PATH (the probe names it as the image does), run as postgres.
    expect(postgres.serverCommand).toContain(
      '-- "$@"\' session-bench postgres -D /session-bench/data',
    );
    expectNobodyLost(postgres);
  });
});
