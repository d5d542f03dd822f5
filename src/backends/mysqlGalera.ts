import path from 'node:path';
import type { CommandRunner, NodePlacement, ServerSpec, TopologySpec } from './serverSpec.js';
import { byIndex, waitUntil } from './topologyAdmin.js';
import { GaleraRoles, type GaleraMonitor } from './galeraRoles.js';
import { nodeStatus, withNode, type Login } from './galeraAdmin.js';

export const GALERA_VARIANT = 'mysql:galera';
const GALERA_NODES = 3;
/** Read at every start (--defaults-file); `!includedir` pulls in JOINED_FILE once it exists. */
const BASE_FILE = 'galera.conf';
/** Written by the node itself at formation: the whole cluster's address, so a restart joins. */
const JOINED_FILE = 'joined.cnf';
const FORM_TIMEOUT_MS = 60_000;
/** Where Debian's galera-4 and the official image (MariaDB's packages) put the provider. */
const PROVIDER_PATHS = ['/usr/lib/galera/libgalera_smm.so', '/usr/lib64/galera-4/libgalera_smm.so'];

/**
 * Galera's failure detection (evs.suspect_timeout 5 s, evs.inactive_timeout 15 s by
 * default), shorter so that the survivors evict a killed node within a short run, yet
 * above a loaded machine's hiccups. The front link's health check: every 500 ms, a node
 * failing 2 checks in a row (1 s) is taken out of the front, as a balancer would.
 */
export const GALERA_DEFAULTS = {
  suspectTimeoutMs: 2_000,
  inactiveTimeoutMs: 4_000,
  monitor: { intervalMs: 500, failuresToDown: 2 } satisfies GaleraMonitor,
};

/**
 * `mysql:galera`: three MariaDB nodes with wsrep (Galera 4) on a `base` single-node
 * spec. node0 bootstraps the cluster (an empty gcomm:// address) on its first start;
 * nodes 1 and 2 join it with a state transfer (rsync SST). At formation each node
 * writes JOINED_FILE naming all three, so a node stopped and started again (node0 too)
 * joins the survivors and never bootstraps a second cluster. (A killed node also
 * recovers its last view from gvwstate.dat, pc.recovery; a graceful stop removes that
 * file, and node0 with an empty address and grastate's safe_to_bootstrap: 0 would
 * refuse to start. After a kill grastate says seqno -1 and safe_to_bootstrap: 0: a
 * cluster whose nodes all died does not come back on its own, as in production.)
 */
export function galeraSpec(base: ServerSpec, monitor = GALERA_DEFAULTS.monitor): ServerSpec {
  const gcommPorts: number[] = [];
  let provider = PROVIDER_PATHS[0]!;
  return {
    ...base,
    variant: GALERA_VARIANT,
    nodes: GALERA_NODES,
    files: (node) => {
      gcommPorts[node.index] = wsrepPorts(node).gcomm;
      return {
        ...base.files?.(node),
        [BASE_FILE]: galeraConf(node, gcommPorts.slice(0, node.index)),
      };
    },
    prepare: async (node, binary, run) => {
      provider = await findProvider(run);
      await base.prepare?.(node, binary, run);
    },
    args: (node, binary) => [
      `--defaults-file=${path.join(node.runDir, BASE_FILE)}`,
      `--wsrep-provider=${provider}`,
      ...base.args(node, binary).filter((arg) => arg !== '--no-defaults'),
    ],
    // A joiner serves only after its state transfer.
    startTimeoutMs: 120_000,
    // rsync's SST daemon, started by root, drops to `nobody` and cannot write the data
    // dir: the nodes run as mysql (the packages' own user) when session-bench is root.
    unprivilegedUser: 'mysql',
    topology: galeraTopology(monitor, base.settings),
  };
}

function wsrepPorts(node: NodePlacement): { gcomm: number; ist: number; sst: number } {
  const [gcomm, ist, sst] = node.extraPorts ?? [];
  if (!gcomm || !ist || !sst)
    throw new Error(`${GALERA_VARIANT}: node${node.index} has no wsrep ports`);
  return { gcomm, ist, sst };
}

/** `earlier`: the gcomm ports of the nodes started before this one (none: bootstrap). */
export function galeraConf(node: NodePlacement, earlier: number[]): string {
  const { gcomm, ist, sst } = wsrepPorts(node);
  const options = [
    `gmcast.listen_addr=tcp://127.0.0.1:${gcomm}`,
    `ist.recv_addr=127.0.0.1:${ist}`,
    // Galera wants keepalives more often than a third of the suspect timeout.
    'evs.keepalive_period=PT0.5S',
    `evs.suspect_timeout=PT${GALERA_DEFAULTS.suspectTimeoutMs / 1000}S`,
    `evs.inactive_timeout=PT${GALERA_DEFAULTS.inactiveTimeoutMs / 1000}S`,
  ];
  return [
    '[mariadbd]',
    'wsrep_on=ON',
    'wsrep_cluster_name=session-bench',
    `wsrep_node_name=node${node.index}`,
    `wsrep_cluster_address=gcomm://${earlier.map((p) => `127.0.0.1:${p}`).join(',')}`,
    `wsrep_node_address=127.0.0.1:${gcomm}`,
    `wsrep_provider_options=${options.join(';')}`,
    `wsrep_sst_receive_address=127.0.0.1:${sst}`,
    'wsrep_sst_method=rsync',
    'binlog_format=ROW',
    'innodb_autoinc_lock_mode=2',
    `!includedir ${node.runDir}`,
    '',
  ].join('\n');
}

/**
 * The first provider library that exists where the server runs (host or image), and
 * rsync for the state transfer (the official mariadb image ships galera-4 with
 * mariadb-backup and socat, not rsync: there the start fails with this message).
 */
async function findProvider(run: CommandRunner): Promise<string> {
  const script =
    'command -v rsync >/dev/null || { echo "no rsync"; exit 0; }; ' +
    `for f in ${PROVIDER_PATHS.join(' ')}; do [ -f "$f" ] && echo "$f" && exit 0; done; echo none`;
  const found = (await run('sh', ['-c', script])).trim().split('\n')[0] ?? '';
  if (found === 'no rsync')
    throw new Error(`${GALERA_VARIANT}: rsync (its SST method) is not installed`);
  if (!found.startsWith('/'))
    throw new Error(
      `${GALERA_VARIANT}: no Galera provider (galera-4) at ${PROVIDER_PATHS.join(', ')}`,
    );
  return found;
}

function galeraTopology(monitor: GaleraMonitor, login: Login): TopologySpec {
  return {
    kind: 'galera',
    configuration: {
      wsrep_provider: 'galera-4 (libgalera_smm.so)',
      wsrep_sst_method: 'rsync',
      'evs.suspect_timeout': `${GALERA_DEFAULTS.suspectTimeoutMs} ms`,
      'evs.inactive_timeout': `${GALERA_DEFAULTS.inactiveTimeoutMs} ms`,
      'front health check': `every ${monitor.intervalMs} ms, down after ${monitor.failuresToDown} failures`,
      wsrep_sync_wait: '0 (default)',
    },
    extraPorts: 3,
    // The app reaches the cluster through one address, as behind a load balancer.
    front: true,
    form: (nodes, signal) => formCluster(nodes, login, signal),
    open: async (members, signal) => {
      await waitSynced(members.nodes, login, signal);
      return new GaleraRoles(members.nodes, login, monitor, members.front);
    },
  };
}

/** Every node Synced in one cluster of three; then each records the whole cluster's address. */
async function formCluster(
  nodes: { name: string; endpoint: string }[],
  login: Login,
  signal: AbortSignal,
): Promise<void> {
  await waitSynced(nodes, login, signal);
  const addresses = await Promise.all(
    byIndex(nodes).map((n) =>
      withNode(n.endpoint, login, (c) => nodeStatus(c)).then((s) => s.address),
    ),
  );
  const content = `[mariadbd]\nwsrep_cluster_address=gcomm://${addresses.join(',')}\n`;
  for (const node of nodes) {
    await withNode(node.endpoint, login, async (c) => {
      const [rows] = await c.query('SELECT @@secure_file_priv AS dir');
      const dir = String((rows as { dir: string }[])[0]?.dir ?? '');
      await c.query(`SELECT ? INTO DUMPFILE ${c.escape(path.join(dir, JOINED_FILE))}`, [content]);
    });
  }
}

async function waitSynced(
  nodes: { endpoint: string }[],
  login: Login,
  signal: AbortSignal,
): Promise<void> {
  await waitUntil(`${nodes.length} Galera nodes Synced`, FORM_TIMEOUT_MS, signal, async () => {
    for (const node of nodes) {
      const status = await withNode(node.endpoint, login, (c) => nodeStatus(c));
      if (status.state !== 'Synced' || status.clusterSize !== nodes.length) return false;
    }
    return true;
  });
}
