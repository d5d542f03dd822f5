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
