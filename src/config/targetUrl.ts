import { UsageError } from '../errors.js';
import { redactUrl } from '../redactUrl.js';

/** URL schemes accepted per backend that can run elsewhere (`tcp://` works for any). */
export const TARGET_SCHEMES: Record<string, string[]> = {
  redis: ['redis:'],
  memcached: ['memcached:', 'memcache:'],
  mysql: ['mysql:', 'mariadb:'],
  postgres: ['postgres:', 'postgresql:'],
};
const DEFAULT_PORTS: Record<string, number> = {
  redis: 6379,
  memcached: 11211,
  mysql: 3306,
  postgres: 5432,
};

export interface TargetUrl {
  /** host:port, brackets of an IPv6 host removed. */
  endpoint: string;
  /** Credentials and database from the URL (mysql://user:password@host:port/database). */
  settings: Record<string, string>;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A bare host:port: the port is what tells it from a typo such as `notaurl`. */
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d+$/i;

/**
 * Checks one `--target backend=URL` by its shape alone (nothing is resolved or
 * connected): a backend that runs as a server, a scheme that fits it, a host, a
 * port from 1 to 65535. Errors show the URL with its password redacted.
 */
export function parseTargetUrl(backend: string, url: string): TargetUrl {
  const shown = `--target ${backend}=${redactUrl(url)}`;
  const schemes = TARGET_SCHEMES[backend];
  if (!schemes) {
    throw new UsageError(
      `${shown}: ${JSON.stringify(backend)} is not a backend that runs as a server; ` +
        `--target takes ${Object.keys(TARGET_SCHEMES).join(', ')}`,
    );
  }
  const allowed = [...schemes, 'tcp:'];
  const forms = `${allowed.map((s) => `${s}//host:port`).join(', ')} or host:port`;
  const hasScheme = SCHEME.test(url);
  if (!hasScheme && !HOST_PORT.test(url)) {
    throw new UsageError(`${shown}: not a URL or host:port; expected ${forms}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(hasScheme ? url : `tcp://${url}`);
  } catch {
    throw new UsageError(`${shown}: not a URL or host:port; expected ${forms}`);
  }
  if (!allowed.includes(parsed.protocol)) {
    throw new UsageError(
      `${shown}: scheme ${parsed.protocol}// does not fit ${backend}; expected ${forms}`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new UsageError(`${shown}: needs a host; expected ${forms}`);
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[backend]!;
  const settings: Record<string, string> = {};
  if (parsed.username) settings.user = decodeURIComponent(parsed.username);
  if (parsed.password) settings.password = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) settings.database = database;
  return { endpoint: `${host}:${port}`, settings };
}

/** The port as written, before URL parsing rejects or normalises it. */
function writtenPort(url: string): number | undefined {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(url);
  return match ? Number(match[1]) : undefined;
}

/** `--target redis=redis://127.0.0.1:6379` (repeatable; several per backend make a pool). */
export function parseTargets(specs: string[]): Record<string, string[]> {
  const targets: Record<string, string[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) {
      throw new UsageError(
        `--target ${JSON.stringify(redactUrl(spec))} is malformed: expected backend=URL, e.g. redis=redis://127.0.0.1:6379`,
      );
    }
    const backend = spec.slice(0, eq);
    const url = spec.slice(eq + 1);
    const port = writtenPort(url);
    if (port !== undefined && (port < 1 || port > 65_535)) {
      throw new UsageError(
        `--target ${backend}=${redactUrl(url)}: port ${port} is out of range; a port is 1 to 65535`,
      );
    }
    parseTargetUrl(backend, url);
    (targets[backend] ??= []).push(url);
  }
  return targets;
}

/** The plan as a result file records it: --target passwords replaced with ***. */
export function redactPlanTargets<T extends { targets: Record<string, string[]> }>(plan: T): T {
  const targets = Object.fromEntries(
    Object.entries(plan.targets).map(([backend, urls]) => [backend, urls.map(redactUrl)]),
  );
  return { ...plan, targets };
}
