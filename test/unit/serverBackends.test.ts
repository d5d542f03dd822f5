import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MEMJS_OPTIONS,
  memcachedArgs,
  memcachedBackend,
  memcachedKey,
  memcachedNodeOf,
  parseMemcachedVersion,
} from '../../src/backends/memcached.js';
import { initSql, mysqlArgs, mysqlBackend, parseMysqlVersion } from '../../src/backends/mysql.js';
import {
  REDIS_PERSISTENCE,
  parseRedisVersion,
  redisArgs,
  redisBackend,
  shardOf,
} from '../../src/backends/redis.js';
import {
  hbaConf,
  parsePostgresVersion,
  postgresArgs,
  postgresBackend,
  sessionsTableSql,
} from '../../src/backends/postgres.js';
import { parseTargetUrl } from '../../src/config/targetUrl.js';
import { ENSURE_DIRS, entryScript } from '../../src/providers/docker/paths.js';
import { serverAccount, userSwitchArgs } from '../../src/providers/unprivilegedUser.js';
import { hostPort } from '../../src/backends/backend.js';
import { UsageError } from '../../src/errors.js';
import type { NodePlacement } from '../../src/backends/serverSpec.js';

const node: NodePlacement = {
  index: 0,
  port: 16379,
  dataDir: '/tmp/x/node0/data',
  runDir: '/dev/shm/x/node0',
};

const ids = (n: number) => Array.from({ length: n }, () => randomBytes(16).toString('hex'));

/** Share of ids per bucket. */
function spread(buckets: number[], n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const b of buckets) counts[b]!++;
  return counts.map((c) => c / buckets.length);
}

describe('endpoints', () => {
  it('split at the last colon into host and a numeric port', () => {
    expect(hostPort('127.0.0.1:16379')).toEqual({ host: '127.0.0.1', port: 16379 });
    expect(hostPort('localhost:3306')).toEqual({ host: 'localhost', port: 3306 });
  });
});

describe('redis variants', () => {
  const argsOf = (variant: string) =>
    redisBackend.serverSpec!(variant, { nodes: 1 }).args(node, 'redis-server');

  it('the default variant passes no persistence flag: Redis chooses', () => {
    const args = argsOf('redis');
    expect(args).not.toContain('--save');
    expect(args).not.toContain('--appendonly');
    expect(args).toEqual(expect.arrayContaining(['--bind', '127.0.0.1', '--dir', node.dataDir]));
    expect(args.join(' ')).toContain('--protected-mode yes');
  });

  it('each durability variant says its policy', () => {
    expect(REDIS_PERSISTENCE['redis:none']).toEqual(['--save', '', '--appendonly', 'no']);
    expect(argsOf('redis:rdb').join(' ')).toContain('--save 5 1');
    expect(argsOf('redis:aof-everysec').join(' ')).toContain('--appendfsync everysec');
    expect(argsOf('redis:aof-always').join(' ')).toContain('--appendfsync always');
    // Replicated topologies (sentinel, cluster) persist like aof-everysec: see their own test.
    const single = redisBackend.variants.filter(
      (v) => !redisBackend.serverSpec!(v.id, { nodes: 1 }).topology,
    );
    for (const v of single) expect(REDIS_PERSISTENCE[v.id], v.id).toBeDefined();
  });

  it('listens where the provider says; protected mode only on loopback', () => {
    const args = redisArgs({ ...node, bindAddress: '0.0.0.0' }, []);
    expect(args.join(' ')).toContain('--bind 0.0.0.0 --protected-mode no');
  });

  it('reads the server name and version', () => {
    expect(parseRedisVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0')).toEqual(
      { name: 'Redis', version: '7.0.15' },
    );
    expect(parseRedisVersion('Valkey server v=8.0.1 sha=0')).toEqual({
      name: 'Valkey',
      version: '8.0.1',
    });
  });

  it('shards session ids stably and about evenly over the nodes', () => {
    const sample = ids(6000);
    expect(sample.map((id) => shardOf(id, 3))).toEqual(sample.map((id) => shardOf(id, 3)));
    for (const share of spread(
      sample.map((id) => shardOf(id, 3)),
      3,
    )) {
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
    }
    expect(sample.every((id) => shardOf(id, 1) === 0)).toBe(true);
  });
});

describe('memcached variants', () => {
  it('plain memcached has no memory file; warm puts it in the (tmpfs) run dir', () => {
    expect(memcachedArgs(node, false)).not.toContain('-e');
    const warm = memcachedArgs(node, true);
    expect(warm[warm.indexOf('-e') + 1]).toBe('/dev/shm/x/node0/memory_file');
    const spec = memcachedBackend.serverSpec!('memcached:warm', { nodes: 2 });
    expect(spec).toMatchObject({ runDirInMemory: true, stopSignal: 'SIGUSR1', nodes: 2 });
    expect(memcachedBackend.serverSpec!('memcached', { nodes: 1 }).stopSignal).toBe('SIGTERM');
  });

  it('asks memcached to run as root only when it is root', () => {
    expect(memcachedArgs(node, false)).not.toContain('-u');
    expect(memcachedArgs({ ...node, runAsRoot: true }, false).join(' ')).toContain('-u root');
  });

  it('keeps failover off, so a dead node is an error and not a miss elsewhere', () => {
    expect(MEMJS_OPTIONS.failover).toBe(false);
  });

  it("uses memjs's own distribution: hashCode(key) % nodes", () => {
    // memjs/lib/memjs/utils.js hashCode, written out so a memjs change shows here.
    const hashCode = (s: string) => {
      let h = 0;
      for (let i = 0; i < s.length; i++) h = (31 * h + s.charCodeAt(i)) << 0;
      return Math.abs(h);
    };
    const endpoints = ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'];
    const sample = ids(3000);
    for (const id of sample) {
      expect(memcachedNodeOf(id, endpoints)).toBe(hashCode(memcachedKey(id)) % 3);
    }
    for (const share of spread(
      sample.map((id) => memcachedNodeOf(id, endpoints)),
      3,
    )) {
      expect(share).toBeGreaterThan(0.25);
      expect(share).toBeLessThan(0.42);
    }
    expect(memcachedNodeOf(sample[0]!, endpoints.slice(0, 1))).toBe(0);
  });

  it('reads the version', () => {
    expect(parseMemcachedVersion('memcached 1.6.18\n')).toEqual({
      name: 'memcached',
      version: '1.6.18',
    });
  });
});

describe('mysql variants', () => {
  it('sets innodb_flush_log_at_trx_commit per variant', () => {
    expect(mysqlArgs(node, 1, 'MariaDB')).toContain('--innodb-flush-log-at-trx-commit=1');
    expect(mysqlArgs(node, 2, 'MariaDB')).toContain('--innodb-flush-log-at-trx-commit=2');
    expect(mysqlArgs(node, 0, 'MySQL')).toEqual(
      expect.arrayContaining(['--innodb-flush-log-at-trx-commit=0', '--mysqlx=OFF']),
    );
    expect(mysqlArgs(node, 1, 'MariaDB')).toEqual(
      expect.arrayContaining(['--no-defaults', '--bind-address=127.0.0.1', '--port=16379']),
    );
  });

  it('passes --user=root only when running as root', () => {
    expect(mysqlArgs(node, 1, 'MariaDB')).not.toContain('--user=root');
    expect(mysqlArgs({ ...node, runAsRoot: true }, 1, 'MariaDB')).toContain('--user=root');
  });

  it('is single-node: more nodes is a usage error for that variant', () => {
    expect(() => mysqlBackend.serverSpec!('mysql', { nodes: 2 })).toThrow(UsageError);
    expect(() => mysqlBackend.serverSpec!('mysql', { nodes: 2 })).toThrow(/single node/);
  });

  it('makes a new, non-empty root password for every run, kept out of the command line', () => {
    const a = mysqlBackend.serverSpec!('mysql', { nodes: 1 });
    const b = mysqlBackend.serverSpec!('mysql', { nodes: 1 });
    expect(a.settings.password!.length).toBeGreaterThanOrEqual(20);
    expect(a.settings.password).not.toBe(b.settings.password);
    expect(a.args(node, '/usr/sbin/mariadbd').join(' ')).not.toContain(a.settings.password);
    expect(a.files!(node)['init.sql']).toContain(a.settings.password);
  });

  it('quotes the password in the init file', () => {
    expect(initSql("it's\\x")).toContain("IDENTIFIED BY 'it''s\\\\x';");
    expect(initSql('pw')).toContain("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'");
    // In a bridge-networked container clients come from the bridge gateway.
    expect(initSql('pw', '0.0.0.0')).toContain("CREATE USER IF NOT EXISTS 'root'@'%'");
    expect(initSql('pw', '0.0.0.0')).not.toContain("'root'@'127.0.0.1'");
  });

  it('tells MariaDB from MySQL', () => {
    expect(
      parseMysqlVersion('mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64'),
    ).toEqual({ name: 'MariaDB', version: '10.11.19' });
    expect(
      parseMysqlVersion(
        '/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)',
      ),
    ).toEqual({ name: 'MySQL', version: '8.0.36' });
  });
});

describe('postgres variants', () => {
  const spec = (variant: string) => postgresBackend.serverSpec!(variant, { nodes: 1 });

  it('sets synchronous_commit per variant; unlogged is the table’s, not the server’s', () => {
    expect(spec('postgres').args(node, 'postgres')).toContain('synchronous_commit=on');
    expect(spec('postgres:async').args(node, 'postgres')).toContain('synchronous_commit=off');
    expect(spec('postgres:unlogged').args(node, 'postgres')).toContain('synchronous_commit=on');
    expect(spec('postgres:unlogged').settings.unlogged).toBe('true');
    expect(spec('postgres').settings.unlogged).toBeUndefined();
    expect(sessionsTableSql('sessions', true)[0]).toMatch(
      /^CREATE UNLOGGED TABLE IF NOT EXISTS sessions/,
    );
    expect(sessionsTableSql('sessions', false)[0]).toMatch(/^CREATE TABLE IF NOT EXISTS sessions/);
    // connect-pg-simple's shape: sid primary key, sess json, expire with an index.
    expect(sessionsTableSql().join('\n')).toMatch(
      /sid varchar NOT NULL PRIMARY KEY,\s+sess json NOT NULL,\s+expire timestamptz NOT NULL/,
    );
    expect(sessionsTableSql()[1]).toBe(
      'CREATE INDEX IF NOT EXISTS sessions_expire ON sessions (expire)',
    );
  });

  it('listens where the provider says, over TCP only (no Unix socket), pg_hba.conf in the run dir', () => {
    expect(postgresArgs(node, 'on')).toEqual(
      expect.arrayContaining([
        '-D',
        node.dataDir,
        'port=16379',
        'listen_addresses=127.0.0.1',
        'unix_socket_directories=',
        `hba_file=${node.runDir}/pg_hba.conf`,
      ]),
    );
    expect(postgresArgs({ ...node, bindAddress: '0.0.0.0' }, 'on')).toContain(
      'listen_addresses=0.0.0.0',
    );
    expect(hbaConf()).toMatch(/^host all all 127\.0\.0\.1\/32 scram-sha-256$/m);
    expect(hbaConf()).not.toMatch(/host all all all/);
    // In a bridge-networked container clients come from the bridge gateway.
    expect(hbaConf('0.0.0.0')).toMatch(/^host all all all scram-sha-256$/m);
  });

  it('makes a new password for every run, only in the password file, never on the command line', () => {
    const [a, b] = [spec('postgres'), spec('postgres')];
    expect(a.settings.password!.length).toBeGreaterThanOrEqual(20);
    expect(a.settings.password).not.toBe(b.settings.password);
    expect(a.args(node, 'postgres').join(' ')).not.toContain(a.settings.password);
    expect(a.files!(node).pwfile).toBe(`${a.settings.password}\n`);
  });

  it('refuses root, forks backends, stops with SIGINT (fast shutdown), single node', () => {
    expect(spec('postgres')).toMatchObject({
      unprivilegedUser: 'postgres',
      forks: true,
      stopSignal: 'SIGINT',
    });
    expect(() => postgresBackend.serverSpec!('postgres', { nodes: 2 })).toThrow(/single node/);
  });

  it('reads the version of Debian’s and of other builds', () => {
    expect(parsePostgresVersion('postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n')).toEqual({
      name: 'PostgreSQL',
      version: '15.14',
    });
    expect(parsePostgresVersion('postgres (PostgreSQL) 18.4\n').version).toBe('18.4');
  });

  it('takes postgres:// targets with their credentials and database', () => {
    expect(parseTargetUrl('postgres', 'postgresql://u:p%40ss@127.0.0.1/app')).toEqual({
      endpoint: '127.0.0.1:5432',
      settings: { user: 'u', password: 'p@ss', database: 'app' },
    });
  });
});

describe('a server that refuses root', () => {
  const passwd =
    'root:x:0:0::/root:/bin/sh\npostgres:x:101:104::/var/lib/postgresql:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n';

  it('runs as its own user, else nobody; says why when it cannot', () => {
    expect(serverAccount('PostgreSQL', 'postgres', '/usr/bin/setpriv', passwd)).toEqual({
      name: 'postgres',
      uid: 101,
      gid: 104,
    });
    expect(serverAccount('PostgreSQL', 'pg', '/usr/bin/setpriv', passwd)).toEqual({
      name: 'nobody',
      uid: 65534,
      gid: 65534,
    });
    expect(() => serverAccount('PostgreSQL', 'postgres', undefined, passwd)).toThrow(
      /PostgreSQL refuses to run as root, and session-bench runs as root: it needs setpriv \(util-linux\)/,
    );
    expect(() =>
      serverAccount('PostgreSQL', 'pg', '/usr/bin/setpriv', 'root:x:0:0::/:/bin/sh\n'),
    ).toThrow(/neither user pg nor nobody exists/);
    expect(userSwitchArgs({ name: 'postgres', uid: 101, gid: 104 })).toEqual([
      '--reuid',
      '101',
      '--regid',
      '104',
      '--clear-groups',
    ]);
  });

  it('in a container: its folders handed to the user, the command run through setpriv', () => {
    expect(entryScript(undefined)).toBe(ENSURE_DIRS);
    expect(entryScript('postgres')).toMatch(
      /chown -R postgres: \/session-bench && exec setpriv --reuid=postgres --regid=postgres --init-groups -- "\$@"$/,
    );
  });
});
