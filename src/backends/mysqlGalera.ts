import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { NodePlacement, ServerSpec, TopologySpec } from './serverSpec.js';
import type { ServerSpecOptions } from './backend.js';
import { byIndex, waitUntil } from './topologyAdmin.js';
import { GaleraRoles, type GaleraMonitor } from './galeraRoles.js';
import { galeraStatus, setIsolated } from './galeraAdmin.js';
import { rows, withMysql, type MysqlLogin } from './mysqlAdmin.js';
import {
  PROVIDER_PATHS,
  SST_USER,
  chooseSst,
  probeGaleraTools,
  sstUserSql,
  type GaleraSst,
  type GaleraTools,
} from './galeraSst.js';

export const GALERA_VARIANT = 'mysql:galera';
const GALERA_NODES = 3;
/** Read at every start (--defaults-file); `!includedir` pulls in JOINED_FILE once it exists. */
const BASE_FILE = 'galera.conf';
/** Written by the node itself at formation: the whole cluster's address, so a restart joins. */
const JOINED_FILE = 'joined.cnf';
const FORM_TIMEOUT_MS = 60_000;

/** Galera's group-communication timers (EVS), in ms. */
export interface EvsTimings {
  keepalivePeriodMs: number;
  inactiveCheckPeriodMs: number;
  suspectTimeoutMs: number;
  inactiveTimeoutMs: number;
  installTimeoutMs: number;
}

/**
 * Galera's documented defaults are keepalive 1 s, suspect 5 s, inactive 15 s, install
 * 7.5 s. Only the suspect timeout is shorter here: a node silent for it is dropped
 * once every other member suspects it (3 s), so a kill fits a short run. The inactive
 * timeout, after which one node drops a silent peer on its own word, stays at 15 s:
 * the first version's 4 s (with suspect 2 s) left less room for a survivor that a
 * busy machine stalls while the killed node is gone too, and two survivors that drop
 * each other are each one node of three, without quorum. Keepalives every 0.5 s (6
 * per suspect window); the install timeout may not exceed the inactive timeout
 * (Galera refuses to start). The front's health check: every 500 ms, a node failing
 * it for 1 s is taken out.
 */
export const GALERA_DEFAULTS: { evs: EvsTimings; monitor: GaleraMonitor } = {
  evs: {
    keepalivePeriodMs: 500,
    inactiveCheckPeriodMs: 500,
    suspectTimeoutMs: 3_000,
    inactiveTimeoutMs: 15_000,
    installTimeoutMs: 7_500,
  },
  monitor: { checkIntervalMs: 500, detectionMs: 1_000 },
};

/**
 * The timers as Galera checks them at start (keepalive below a third of the suspect
 * timeout, the check period below the suspect timeout, suspect < inactive, install
 * at most inactive): a set out of range is refused here rather than by a node.
 */
export function evsOptions(evs: EvsTimings): string[] {
  const ordered =
    evs.keepalivePeriodMs <= evs.suspectTimeoutMs / 3 &&
    evs.inactiveCheckPeriodMs < evs.suspectTimeoutMs &&
    evs.suspectTimeoutMs < evs.inactiveTimeoutMs &&
    evs.installTimeoutMs <= evs.inactiveTimeoutMs;
  if (!ordered)
    throw new Error(`${GALERA_VARIANT}: EVS timers out of order: ${JSON.stringify(evs)}`);
  const iso = (ms: number) => `PT${ms / 1000}S`;
  return [
    `evs.keepalive_period=${iso(evs.keepalivePeriodMs)}`,
    `evs.inactive_check_period=${iso(evs.inactiveCheckPeriodMs)}`,
    `evs.suspect_timeout=${iso(evs.suspectTimeoutMs)}`,
    `evs.inactive_timeout=${iso(evs.inactiveTimeoutMs)}`,
    `evs.install_timeout=${iso(evs.installTimeoutMs)}`,
  ];
}

/**
 * `mysql:galera`: three MariaDB nodes with wsrep (Galera 4) on a `base` single-node
 * spec. node0 bootstraps the cluster (an empty gcomm:// address) on its first start;
 * nodes 1 and 2 join it with a state transfer (SST: rsync, or mariabackup where rsync
 * is missing or --galera-sst asks for it). At formation each node
 * writes JOINED_FILE naming all three, so a node stopped and started again (node0 too)
 * joins the survivors and never bootstraps a second cluster. (A killed node also
 * recovers its last view from gvwstate.dat, pc.recovery; a graceful stop removes that
 * file, and node0 with an empty address and grastate's safe_to_bootstrap: 0 would
 * refuse to start. After a kill grastate says seqno -1 and safe_to_bootstrap: 0: a
 * cluster whose nodes all died does not come back on its own, as in production.)
 */
export function galeraSpec(options: ServerSpecOptions, base: ServerSpec): ServerSpec {
  const monitor: GaleraMonitor = {
    ...GALERA_DEFAULTS.monitor,
    ...(options.failover?.mysqlDetectionMs !== undefined
      ? { detectionMs: options.failover.mysqlDetectionMs }
      : {}),
  };
  const gcommPorts: number[] = [];
  // A name of this run's own: a node of another cluster on this machine (a port
  // reused while a node is down) fails gcomm's handshake instead of joining.
  const clusterName = `session-bench-${randomBytes(4).toString('hex')}`;
  const password = base.settings.password!;
  let provider = PROVIDER_PATHS[0]!;
  let sst: GaleraSst = 'rsync';
  let probed: Promise<GaleraTools> | undefined;
  const topology = galeraTopology(monitor, login(base.settings));
  return {
    ...base,
    variant: GALERA_VARIANT,
    nodes: GALERA_NODES,
    files: (node) => {
      gcommPorts[node.index] = wsrepPorts(node).gcomm;
      const rootSql = base.files!(node)['init.sql']!;
      return {
        'init.sql': [rootSql.trimEnd(), ...sstUserSql(password), ''].join('\n'),
        [BASE_FILE]: galeraConf(node, gcommPorts.slice(0, node.index), clusterName, password),
      };
    },
    // The files are written before this runs: what it finds goes on the command line.
    prepare: async (node, binary, run) => {
      // Every node runs where the first did (host or image): probed once.
      probed ??= probeGaleraTools(run);
      const tools = await probed;
      if (!tools.provider)
        throw new Error(
          `${GALERA_VARIANT}: no Galera provider (galera-4) at ${PROVIDER_PATHS.join(', ')}`,
        );
      provider = tools.provider;
      sst = chooseSst(options.galeraSst ?? 'auto', tools, GALERA_VARIANT);
      // Read once the nodes run, for the result's topology.
      topology.configuration.wsrep_sst_method = sst;
      await base.prepare?.(node, binary, run);
    },
    args: (node, binary) => [
      `--defaults-file=${path.join(node.runDir, BASE_FILE)}`,
      `--wsrep-provider=${provider}`,
      `--wsrep-sst-method=${sst}`,
      ...base.args(node, binary).filter((arg) => arg !== '--no-defaults'),
    ],
    // A joiner serves only after its state transfer.
    startTimeoutMs: 120_000,
    // rsync's SST daemon, started by root, drops to `nobody` and cannot write the data
    // dir: the nodes run as mysql (the packages' own user) when session-bench is root.
    unprivilegedUser: 'mysql',
    topology,
  };
}

function wsrepPorts(node: NodePlacement): { gcomm: number; ist: number; sst: number } {
  const [gcomm, ist, sst] = node.extraPorts ?? [];
  if (!gcomm || !ist || !sst)
    throw new Error(`${GALERA_VARIANT}: node${node.index} has no wsrep ports`);
  return { gcomm, ist, sst };
}

/**
 * `earlier`: the gcomm ports of the nodes started before this one (none: bootstrap).
 * `password`: the SST account's, for a mariabackup donor (the file is the run's, like
 * the init file that sets it).
 */
export function galeraConf(
  node: NodePlacement,
  earlier: number[],
  clusterName = 'session-bench',
  password = '',
): string {
  const { gcomm, ist, sst } = wsrepPorts(node);
  const options = [
    `gmcast.listen_addr=tcp://127.0.0.1:${gcomm}`,
    `ist.recv_addr=127.0.0.1:${ist}`,
    ...evsOptions(GALERA_DEFAULTS.evs),
  ];
  return [
    '[mariadbd]',
    'wsrep_on=ON',
    `wsrep_cluster_name=${clusterName}`,
    `wsrep_node_name=node${node.index}`,
    `wsrep_cluster_address=gcomm://${earlier.map((p) => `127.0.0.1:${p}`).join(',')}`,
    `wsrep_node_address=127.0.0.1:${gcomm}`,
    `wsrep_provider_options=${options.join(';')}`,
    `wsrep_sst_receive_address=127.0.0.1:${sst}`,
    `wsrep_sst_auth=${SST_USER}:${password}`,
    'binlog_format=ROW',
    'innodb_autoinc_lock_mode=2',
    `!includedir ${node.runDir}`,
    '',
  ].join('\n');
}

function login(settings: Record<string, string>): MysqlLogin {
  return {
    user: settings.user ?? 'root',
    password: settings.password ?? '',
    database: settings.database,
  };
}

function galeraTopology(monitor: GaleraMonitor, login: MysqlLogin): TopologySpec {
  return {
    kind: 'galera',
    configuration: {
      wsrep_provider: 'galera-4 (libgalera_smm.so)',
      // Set by prepare to the method it chose.
      wsrep_sst_method: 'rsync',
      wsrep_provider_options: evsOptions(GALERA_DEFAULTS.evs).join(';'),
      'front health check': `wsrep status every ${monitor.checkIntervalMs} ms: ready, Synced, Primary`,
      'front detection': `${monitor.detectionMs} ms of failed checks, then the front link points at another node that passes`,
      wsrep_sync_wait: '0 (default)',
    },
    extraPorts: 3,
    // The nodes tell each other their own gcomm addresses and connect there, so no
    // proxy can stand between them: a partition uses Galera's own switch.
    isolation: {
      how: "Galera's gmcast.isolate",
      isolate: (node) => setIsolated(node.endpoint, login, true),
      rejoin: (node) => setIsolated(node.endpoint, login, false),
    },
    // The app reaches the cluster through one address, as behind a load balancer.
    front: true,
    form: (nodes, signal) => formCluster(nodes, login, signal),
    open: async (members, signal) => {
      if (!members.front) throw new Error(`${GALERA_VARIANT} runs behind a front link`);
      await waitSynced(members.nodes, login, signal);
      return new GaleraRoles(members.nodes, login, monitor, members.front);
    },
  };
}

/** Every node Synced in one cluster of three; then each records the whole cluster's address. */
async function formCluster(
  nodes: { name: string; endpoint: string }[],
  login: MysqlLogin,
  signal: AbortSignal,
): Promise<void> {
  await waitSynced(nodes, login, signal);
  const addresses = await Promise.all(
    byIndex(nodes).map((n) => galeraStatus(n.endpoint, login).then((s) => s.address)),
  );
  const content = `[mariadbd]\nwsrep_cluster_address=gcomm://${addresses.join(',')}\n`;
  for (const node of nodes) {
    await withMysql(node.endpoint, login, async (c) => {
      const [found] = await rows(c, 'SELECT @@secure_file_priv AS dir');
      const file = path.join(String(found?.dir ?? ''), JOINED_FILE);
      await rows(c, `SELECT ? INTO DUMPFILE ${c.escape(file)}`, [content]);
    });
  }
}

async function waitSynced(
  nodes: { endpoint: string }[],
  login: MysqlLogin,
  signal: AbortSignal,
): Promise<void> {
  await waitUntil(`${nodes.length} Galera nodes Synced`, FORM_TIMEOUT_MS, signal, async () => {
    for (const node of nodes) {
      const status = await galeraStatus(node.endpoint, login);
      if (status.state !== 'Synced' || status.clusterSize !== nodes.length) return false;
    }
    return true;
  });
}
