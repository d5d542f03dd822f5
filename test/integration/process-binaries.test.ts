import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlBackend } from '../../src/backends/mysql.js';
import { postgresBackend } from '../../src/backends/postgres.js';
import { ProcessProvider } from '../../src/providers/process.js';

const CLI = path.resolve('src/cli/main.ts');
const FAKE_MARIADBD =
  '#!/bin/sh\necho "/usr/sbin/mariadbd  Ver 10.11.6-MariaDB-0+deb12u1 for debian-linux-gnu"\n';

async function executable(file: string, text: string): Promise<void> {
  await writeFile(file, text);
  await chmod(file, 0o755);
}

/** `session-bench list --json` with PATH set to `dir` only. */
function listWithPath(dir: string, env: Record<string, string> = {}): Promise<Listing> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'list', '--json'], {
      env: { ...process.env, PATH: dir, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.on('error', reject);
    child.on('exit', () => resolve(JSON.parse(stdout) as Listing));
  });
}

interface Listing {
  backends: { backend: string; variants: { id: string; providers?: string[] }[] }[];
  servers: { backend: string; found: string | null; reason?: string }[];
}

describe('one lookup rule for server binaries and their helpers', () => {
  let dir: string;
  const spec = mysqlBackend.serverSpec!('mysql', { nodes: 1 });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-helper-bin-'));
    // mariadbd is found here first; mariadb-install-db lives in /usr/bin, which is not searched.
    await executable(path.join(dir, 'mariadbd'), FAKE_MARIADBD);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function checkWithPath() {
    const saved = process.env.PATH;
    process.env.PATH = dir;
    try {
      return await new ProcessProvider().check(spec);
    } finally {
      process.env.PATH = saved;
    }
  }

  it('the process provider cannot run MariaDB without mariadb-install-db, and says so', async () => {
    const check = await checkWithPath();
    expect(check.available).toBe(false);
    expect(check.reason).toMatch(/^mariadb-install-db not found on PATH .*needed by mysql/);
  });

  it('`list` does not offer the process provider for mysql then, and names the helper', async () => {
    const listing = await listWithPath(dir);
    const mysql = listing.backends.find((b) => b.backend === 'mysql')!;
    for (const variant of mysql.variants) expect(variant.providers).not.toContain('process');
    const server = listing.servers.find((s) => s.backend === 'mysql')!;
    expect(server.found).toBeNull();
    expect(server.reason).toMatch(/mariadb-install-db not found/);
  });

  it('with the helper there too, both say mysql can run', async () => {
    await executable(path.join(dir, 'mariadb-install-db'), '#!/bin/sh\nexit 0\n');
    try {
      expect(await checkWithPath()).toMatchObject({ available: true });
      const listing = await listWithPath(dir);
      const server = listing.servers.find((s) => s.backend === 'mysql')!;
      expect(server.found).toBe(path.join(dir, 'mariadbd'));
    } finally {
      await rm(path.join(dir, 'mariadb-install-db'));
    }
  });
});

describe('PostgreSQL off PATH, in a versioned folder (Debian: /usr/lib/postgresql/<version>/bin)', () => {
  let root: string;
  const spec = postgresBackend.serverSpec!('postgres', { nodes: 1 });
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'sb-versioned-'));
    for (const version of ['14', '16']) {
      const bin = path.join(root, version, 'bin');
      await mkdir(bin, { recursive: true });
      await executable(
        path.join(bin, 'postgres'),
        `#!/bin/sh\necho "postgres (PostgreSQL) ${version}.2"\n`,
      );
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('`list` and the process provider find the same, highest version, before the npm-shipped one', async () => {
    const env = { SESSION_BENCH_VERSIONED_DIRS: root };
    const saved = { PATH: process.env.PATH, dirs: process.env.SESSION_BENCH_VERSIONED_DIRS };
    Object.assign(process.env, { PATH: root, ...env });
    let check: Awaited<ReturnType<ProcessProvider['check']>>;
    try {
      check = await new ProcessProvider().check(spec);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.dirs === undefined) delete process.env.SESSION_BENCH_VERSIONED_DIRS;
      else process.env.SESSION_BENCH_VERSIONED_DIRS = saved.dirs;
    }
    const expected = path.join(root, '16', 'bin', 'postgres');
    expect(check).toEqual({ available: true, reason: `${expected} (PostgreSQL 16.2)` });
    const listing = await listWithPath(root, env);
    expect(listing.servers.find((s) => s.backend === 'postgres')!.found).toBe(expected);
  });
});
