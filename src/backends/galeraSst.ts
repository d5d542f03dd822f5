import type { GaleraSstChoice } from '../config/schema.js';
import { sqlString } from './mysqlAdmin.js';
import type { CommandRunner } from './serverSpec.js';

/** How a joining Galera node gets a donor's whole state (wsrep_sst_method). */
export type GaleraSst = Exclude<GaleraSstChoice, 'auto'>;

/** The account mariabackup's donor side logs in as, over the node's own socket. */
export const SST_USER = 'session_bench_sst';

/** What the probe found where the server runs (host or image). */
export interface GaleraTools {
  /** The first provider library that exists, if any. */
  provider?: string;
  rsync: boolean;
  /** mariadb-backup (or its older name, mariabackup). */
  mariabackup: boolean;
  socat: boolean;
}

/** Where Debian's galera-4 and the official image (MariaDB's packages) put the provider. */
export const PROVIDER_PATHS = [
  '/usr/lib/galera/libgalera_smm.so',
  '/usr/lib64/galera-4/libgalera_smm.so',
];

/** One shell call where the server runs: which provider library and transfer tools exist. */
export async function probeGaleraTools(run: CommandRunner): Promise<GaleraTools> {
  const script =
    'for t in rsync socat mariadb-backup mariabackup; do ' +
    'command -v "$t" >/dev/null && echo "tool $t"; done; ' +
    `for f in ${PROVIDER_PATHS.join(' ')}; do [ -f "$f" ] && echo "provider $f" && break; done; true`;
  const lines = (await run('sh', ['-c', script])).split('\n').map((l) => l.trim());
  const tools = new Set(lines.filter((l) => l.startsWith('tool ')).map((l) => l.slice(5)));
  const provider = lines.find((l) => l.startsWith('provider '))?.slice(9);
  return {
    ...(provider ? { provider } : {}),
    rsync: tools.has('rsync'),
    mariabackup: tools.has('mariadb-backup') || tools.has('mariabackup'),
    socat: tools.has('socat'),
  };
}

/**
 * The method to use. auto: rsync (MariaDB's default) where it is installed, else
 * mariabackup (the official mariadb image ships mariadb-backup and socat, no rsync).
 * A method whose tools are missing is refused, naming them.
 */
export function chooseSst(wanted: GaleraSstChoice, tools: GaleraTools, variant: string): GaleraSst {
  const missing: Record<GaleraSst, string[]> = {
    rsync: tools.rsync ? [] : ['rsync'],
    mariabackup: [
      ...(tools.mariabackup ? [] : ['mariadb-backup']),
      ...(tools.socat ? [] : ['socat']),
    ],
  };
  if (wanted !== 'auto') {
    if (missing[wanted].length === 0) return wanted;
    throw new Error(
      `${variant}: state transfer ${wanted} needs ${missing[wanted].join(' and ')}, not installed where the server runs`,
    );
  }
  if (missing.rsync.length === 0) return 'rsync';
  if (missing.mariabackup.length === 0) return 'mariabackup';
  throw new Error(
    `${variant}: no state transfer tool where the server runs: install rsync, or mariadb-backup and socat`,
  );
}

/**
 * The donor's account for mariabackup (a backup's privileges, socket logins only),
 * created by every node's init file; rsync logs in nowhere and ignores it.
 */
export function sstUserSql(password: string): string[] {
  const account = `'${SST_USER}'@'localhost'`;
  return [
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${sqlString(password)};`,
    `ALTER USER ${account} IDENTIFIED BY ${sqlString(password)};`,
    `GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO ${account};`,
  ];
}
