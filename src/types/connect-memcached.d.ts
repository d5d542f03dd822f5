// connect-memcached ships no types; only what session-bench uses.
declare module 'connect-memcached' {
  import type { Store } from 'express-session';

  interface MemcachedStoreOptions {
    hosts: string | string[];
    prefix?: string;
    ttl?: number;
  }
  interface MemcachedStore extends Store {
    /** The `memcached` client it made. */
    client: { end(): void };
  }
  function connectMemcached(
    session: typeof import('express-session'),
  ): new (options: MemcachedStoreOptions) => MemcachedStore;
  export default connectMemcached;
}
