/* The run-wide provider choices a plan may name; the providers implement them. */

export const PROVIDER_NAMES = ['auto', 'process', 'docker', 'external'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const DOCKER_NETWORKS = ['bridge', 'host'] as const;
export type DockerNetwork = (typeof DOCKER_NETWORKS)[number];

export const IMAGE_SETS = ['official', 'official-mysql', 'offline'] as const;
/**
 * official: Docker Hub images (mysql backend on MariaDB); official-mysql: the same
 * but Oracle's MySQL for the mysql backend; offline: the image built from Debian
 * packages by `session-bench images build-offline` (no registry needed).
 */
export type ImageSet = (typeof IMAGE_SETS)[number];
