import type { ImageSet } from '../config/providerOptions.js';

/**
 * Which image runs which backend. The pinned official tags live here and nowhere
 * else; docker-compose.yml repeats them as its defaults (a test keeps the two equal).
 */

/** Pinned official images, per backend. */
export const OFFICIAL_IMAGES: Readonly<Record<string, string>> = {
  redis: 'redis:7.4.2',
  memcached: 'memcached:1.6.38',
  mysql: 'mariadb:11.4.5',
  postgres: 'postgres:17.5',
};

/** Alternatives chosen by `--image-set official-mysql`. */
export const OFFICIAL_MYSQL_IMAGES: Readonly<Record<string, string>> = {
  ...OFFICIAL_IMAGES,
  mysql: 'mysql:8.4.4',
};

/** One image for every backend, built by scripts/build-offline-images.sh. */
export const OFFLINE_HINT =
  'build the offline images with `session-bench images build-offline` ' +
  '(Debian packages, no registry needed) and run with `--image-set offline`';

export const OFFLINE_IMAGE =
  process.env.SESSION_BENCH_OFFLINE_IMAGE ?? 'session-bench/offline:bookworm';

/**
 * The image for a backend in an image set. `SESSION_BENCH_IMAGE_<BACKEND>` (e.g.
 * SESSION_BENCH_IMAGE_REDIS=redis:7.2) overrides it, as in docker-compose.yml.
 */
export function imageFor(backend: string, imageSet: ImageSet): string | undefined {
  const override = process.env[`SESSION_BENCH_IMAGE_${backend.toUpperCase()}`];
  if (override) return override;
  switch (imageSet) {
    case 'offline':
      return OFFLINE_IMAGE;
    case 'official-mysql':
      return OFFICIAL_MYSQL_IMAGES[backend];
    case 'official':
      return OFFICIAL_IMAGES[backend];
  }
}

/** The registry an image name points at: its first part when that is a host, else Docker Hub. */
export function registryHost(image: string): string {
  const first = image.split('/')[0]!;
  const isHost =
    image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first.replace(/:\d+$/, '') : 'docker.io';
}

/**
 * `SESSION_BENCH_REGISTRIES=loopback` (the tests set it): the daemon is asked about,
 * or pulls from, registries on this machine only (127.0.0.1, localhost, [::1]); any
 * other image counts as not pullable, so nothing ever leaves the machine.
 */
export function registryRefused(image: string, env = process.env): string | undefined {
  if (env.SESSION_BENCH_REGISTRIES !== 'loopback') return undefined;
  const host = registryHost(image);
  if (['127.0.0.1', 'localhost', '[::1]'].includes(host)) return undefined;
  return `registry ${host} not asked: SESSION_BENCH_REGISTRIES=loopback allows only registries on this machine`;
}
