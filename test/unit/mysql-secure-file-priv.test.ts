import { describe, expect, it } from 'vitest';
import { mysqlArgs, mysqlBackend } from '../../src/backends/mysql.js';
import type { NodePlacement } from '../../src/backends/serverSpec.js';

const node: NodePlacement = {
  index: 0,
  port: 3306,
  dataDir: '/session-bench/data',
  runDir: '/session-bench/run',
  runAsRoot: true,
  bindAddress: '0.0.0.0',
};

// MySQL 8.4's official image makes /var/lib/mysql-files in its entrypoint, which
// session-bench bypasses: without the flag mysqld refuses to initialise or start.
describe('mysql: --secure-file-priv is explicit', () => {
  it('on the server for both flavours', () => {
    for (const flavor of ['MySQL', 'MariaDB'] as const) {
      expect(mysqlArgs(node, 1, flavor)).toContain('--secure-file-priv=/session-bench/run');
    }
  });

  it('on MySQL data dir initialisation', async () => {
    const spec = mysqlBackend.serverSpec!('mysql', { nodes: 1 });
    const commands: string[][] = [];
    await spec.prepare!(node, 'mysqld', async (command, args) => {
      commands.push([command, ...args]);
      return '/usr/sbin/mysqld  Ver 8.4.4 for Linux on x86_64 (MySQL Community Server - GPL)';
    });
    const initialise = commands.find((c) => c.includes('--initialize-insecure'));
    expect(initialise).toContain('--secure-file-priv=/session-bench/run');
  });
});

// Side by side on one machine, bootstraps sharing /tmp drop each other's temporary
// tables ("Unknown table 'mysql.tmp_user_sys'"): every node has its own tmpdir.
describe('mysql: each node has its own tmpdir', () => {
  it('on the server for both flavours', () => {
    for (const flavor of ['MySQL', 'MariaDB'] as const) {
      expect(mysqlArgs(node, 1, flavor)).toContain('--tmpdir=/session-bench/run');
    }
  });

  it('on data dir initialisation for both flavours', async () => {
    const versions = {
      MySQL: '/usr/sbin/mysqld  Ver 8.4.4 for Linux on x86_64 (MySQL Community Server - GPL)',
      MariaDB: 'mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64',
    };
    for (const [flavor, version] of Object.entries(versions)) {
      const spec = mysqlBackend.serverSpec!('mysql', { nodes: 1 });
      const commands: string[][] = [];
      await spec.prepare!(node, 'mysqld', async (command, args) => {
        commands.push([command, ...args]);
        return version;
      });
      const initialise = commands.find((c) => c.some((arg) => arg.startsWith('--datadir=')));
      expect(initialise, flavor).toContain('--tmpdir=/session-bench/run');
    }
  });
});
