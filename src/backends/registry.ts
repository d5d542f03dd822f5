import { UsageError } from '../errors.js';
import { backendNameOf, type Backend, type VariantInfo } from './backend.js';
import { cookieBackend } from './cookie.js';
import { diskBackend } from './disk.js';
import { memcachedBackend } from './memcached.js';
import { memoryBackend } from './memory.js';
import { mysqlBackend } from './mysql.js';
import { redisBackend } from './redis.js';

/** Every backend session-bench knows, in the order runs and listings use. */
export const BACKENDS: Backend[] = [
  memoryBackend,
  diskBackend,
  cookieBackend,
  redisBackend,
  memcachedBackend,
  mysqlBackend,
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
