/**
 * Every container runs as root, whatever the image's USER (memcached's official
 * image runs as memcache): the volume's folders are root's, and specs are told
 * `runAsRoot` so servers that refuse root get their flag (memcached -u, mariadbd --user).
 */
export const CONTAINER_USER = '0:0';

/** Where a node's data and run folders live inside its container (one volume per node). */
export const CONTAINER_ROOT = '/session-bench';
export const CONTAINER_DATA_DIR = `${CONTAINER_ROOT}/data`;
export const CONTAINER_RUN_DIR = `${CONTAINER_ROOT}/run`;

/** The entrypoint script: makes the node's folders, then runs "$@" as PID 1. */
export const ENSURE_DIRS = `mkdir -p ${CONTAINER_DATA_DIR} ${CONTAINER_RUN_DIR} && exec "$@"`;

/**
 * The entrypoint script for a spec: for a server that refuses root (PostgreSQL), the
 * node's folders are handed to its user (the official image and Debian's package
 * both create it) and "$@" runs as that user through setpriv (util-linux, in every
 * Debian-based image).
 */
export function entryScript(unprivilegedUser: string | undefined): string {
  if (!unprivilegedUser) return ENSURE_DIRS;
  const user = unprivilegedUser.replace(/[^a-z0-9_-]/gi, '');
  return (
    `mkdir -p ${CONTAINER_DATA_DIR} ${CONTAINER_RUN_DIR} && chown -R ${user}: ${CONTAINER_ROOT} && ` +
    `exec setpriv --reuid=${user} --regid=${user} --init-groups -- "$@"`
  );
}
