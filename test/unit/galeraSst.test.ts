import { existsSync } from 'node:fs';
import { mkdtemp, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mysqlBackend } from '../../src/backends/mysql.js';
import {
  PROVIDER_PATHS,
  SST_USER,
  chooseSst,
  probeGaleraTools,
  type GaleraTools,
} from '../../src/backends/galeraSst.js';
import { galeraConf } from '../../src/backends/mysqlGalera.js';
import type { CommandRunner } from '../../src/backends/serverSpec.js';
import { loadPlan } from '../../src/config/loadPlan.js';
import { runCommand } from '../../src/providers/process.js';
import { specOptions } from '../../src/runner/startServers.js';
import { galeraPlacement } from '../helpers/galeraPlacement.js';

const VARIANT = 'mysql:galera';
const tools = (found: Partial<GaleraTools>): GaleraTools => ({
  rsync: false,
  mariabackup: false,
  socat: false,
  ...found,
});
const officialImage = tools({ mariabackup: true, socat: true });
const debianHost = tools({ rsync: true });

/** Answers the tool probe with `probe`, the version question as MariaDB; the rest runs nowhere. */
function fakeRunner(probe: string): CommandRunner {
  return async (command, args) => {
    if (command === 'sh') return probe;
    if (args.includes('--version'))
      return 'mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64';
    return '';
  };
}

describe('mysql:galera state transfer (SST)', () => {
  it('auto: rsync where it is installed (MariaDB default), else mariabackup, as in the official image', () => {
    expect(chooseSst('auto', debianHost, VARIANT)).toBe('rsync');
    expect(chooseSst('auto', { ...officialImage, rsync: true }, VARIANT)).toBe('rsync');
    expect(chooseSst('auto', officialImage, VARIANT)).toBe('mariabackup');
    expect(() => chooseSst('auto', tools({ mariabackup: true }), VARIANT)).toThrow(
      /no state transfer tool.*install rsync, or mariadb-backup and socat/,
    );
  });

  it('a method asked for by name runs only with its tools, else the refusal names what is missing', () => {
    expect(chooseSst('mariabackup', { ...officialImage, rsync: true }, VARIANT)).toBe(
      'mariabackup',
    );
    expect(chooseSst('rsync', debianHost, VARIANT)).toBe('rsync');
    expect(() => chooseSst('rsync', officialImage, VARIANT)).toThrow(
      /mysql:galera: state transfer rsync needs rsync, not installed/,
    );
    expect(() => chooseSst('mariabackup', debianHost, VARIANT)).toThrow(
      /needs mariadb-backup and socat/,
    );
    expect(() => chooseSst('mariabackup', tools({ mariabackup: true }), VARIANT)).toThrow(
      /needs socat,/,
    );
  });

  it('the probe finds the tools on PATH (either name of mariadb-backup) and the provider library', async () => {
    const bin = await mkdtemp(path.join(os.tmpdir(), 'galera-tools-'));
    for (const tool of ['socat', 'mariabackup']) await symlink('/bin/true', path.join(bin, tool));
    // A real shell, with only the fake tools on its PATH.
    const run: CommandRunner = (command, args) =>
      runCommand('/usr/bin/env', [`PATH=${bin}`, `/bin/${command}`, ...args]);
    const found = await probeGaleraTools(run);
    const provider = PROVIDER_PATHS.find((file) => existsSync(file));
    expect(found).toEqual({ ...officialImage, ...(provider ? { provider } : {}) });
  });

  it('prepare picks the method where the server runs; the nodes start with it and the result says it', async () => {
    const spec = mysqlBackend.serverSpec!(VARIANT, { nodes: 1 });
    await spec.prepare!(
      galeraPlacement(1),
      'mariadbd',
      fakeRunner('tool socat\ntool mariadb-backup\nprovider /usr/lib/galera/libgalera_smm.so'),
    );
    const args = spec.args(galeraPlacement(1), 'mariadbd');
    expect(args).toContain('--wsrep-sst-method=mariabackup');
    expect(args).toContain('--wsrep-provider=/usr/lib/galera/libgalera_smm.so');
    expect(spec.topology?.configuration.wsrep_sst_method).toBe('mariabackup');
  });

  it('--galera-sst reaches the spec; a method without its tools fails the variant before a node starts', async () => {
    const plan = await loadPlan({ scenario: 'smoke', galeraSst: 'rsync' });
    expect(specOptions(plan).galeraSst).toBe('rsync');
    const spec = mysqlBackend.serverSpec!(VARIANT, specOptions(plan));
    await expect(
      spec.prepare!(
        galeraPlacement(0),
        'mariadbd',
        fakeRunner('tool socat\ntool mariadb-backup\nprovider /usr/lib/galera/libgalera_smm.so'),
      ),
    ).rejects.toThrow(/state transfer rsync needs rsync/);
    // A spec probes once for all its nodes: another run's spec for another machine.
    const elsewhere = mysqlBackend.serverSpec!(VARIANT, specOptions(plan));
    await expect(
      elsewhere.prepare!(galeraPlacement(0), 'mariadbd', fakeRunner('tool rsync')),
    ).rejects.toThrow(/no Galera provider \(galera-4\)/);
    await expect(loadPlan({ scenario: 'smoke', galeraSst: 'xtrabackup' })).rejects.toThrow(
      /--galera-sst[\s\S]*rsync/,
    );
  });

  it("every node's init file creates the donor's account; the option file logs mariabackup in with it", () => {
    const spec = mysqlBackend.serverSpec!(VARIANT, { nodes: 1 });
    const password = spec.settings.password!;
    const files = spec.files!(galeraPlacement(0));
    expect(files['init.sql']).toContain(`CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'`);
    expect(files['init.sql']).toContain(
      `GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO '${SST_USER}'@'localhost';`,
    );
    expect(files['galera.conf']).toContain(`wsrep_sst_auth=${SST_USER}:${password}`);
    // The method is the command line's, chosen once the tools are known.
    expect(galeraConf(galeraPlacement(0), [])).not.toMatch(/wsrep_sst_method/);
  });
});
