import { UsageError } from '../errors.js';
import { backendNameOf, type Backend, type VariantInfo } from './backend.js';
import { cookieBackend } from './cookie.js';
import { diskBackend } from './disk.js';
import { memcachedBackend } from './memcached.js';
import { memoryBackend } from './memory.js';
import { mysqlBackend } from './mysql.js';
import { postgresBackend } from './postgres.js';
import { redisBackend } from './redis.js';

/** Every backend session-bench knows, in the order runs and listings use. */
export const BACKENDS: Backend[] = [
  memoryBackend,
  diskBackend,
  cookieBackend,
  redisBackend,
  memcachedBackend,
  mysqlBackend,
  postgresBackend,
];

export function allVariants(): VariantInfo[] {
  return BACKENDS.flatMap((b) => b.variants);
}

export function backendOf(variant: string): Backend {
  const backend = BACKENDS.find((b) => b.name === backendNameOf(variant));
  if (!backend || !backend.variants.some((v) => v.id === variant)) {
    const known = allVariants()
      .map((v) => v.id)
      .join(', ');
    throw new UsageError(
      `unknown backend variant ${JSON.stringify(variant)} (--backends); known variants: ${known}`,
    );
  }
  return backend;
}

/** The default configuration of each backend (its first variant): what a plain run tries. */
export function defaultVariants(): string[] {
  return BACKENDS.map((b) => b.variants[0]!.id);
}

/** Which variants a run covers, and how they were chosen. */
export interface VariantSelection {
  ids: string[];
  /**
   * default: one per backend; all: every variant (`--backends all`); listed: named
   * one by one. Only listed variants fail when they cannot run here; the others are
   * skipped with the reason.
   */
  chosen: 'default' | 'all' | 'listed';
}

/** The variants of `--backends` (or the scenario's `backends`), every name checked. */
export function selectVariants(requested: readonly string[] | undefined): VariantSelection {
  if (requested === undefined) return { ids: defaultVariants(), chosen: 'default' };
  if (requested.includes('all')) {
    if (requested.length > 1) {
      throw new UsageError(
        '--backends all already means every variant; list variants without it, e.g. memory,redis:aof-always',
      );
    }
    return { ids: allVariants().map((v) => v.id), chosen: 'all' };
  }
  requested.forEach(backendOf);
  return { ids: [...requested], chosen: 'listed' };
}

/** The most nodes any of `requested` runs with `nodes` asked (fixed topologies have their own). */
export function maxNodesOf(requested: string[] | undefined, nodes: number): number {
  let most = nodes;
  for (const id of selectVariants(requested).ids) {
    try {
      most = Math.max(most, backendOf(id).serverSpec?.(id, { nodes }).nodes ?? 0);
    } catch {
      // A variant that refuses these options says so when the plan is checked.
    }
  }
  return most;
}
