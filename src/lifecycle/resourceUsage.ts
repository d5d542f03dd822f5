import { readFile, readdir } from 'node:fs/promises';

/** Cumulative resource counters of one target at one moment (since its current start). */
export interface ResourceReading {
  /** CPU time, user + system, of the whole process tree (or container). */
  cpuMs: number;
  /** Resident memory: RSS of one process; a tree's Σ Pss; a container's usage less its page cache. */
  rssBytes: number;
  /** Bytes sent to the storage layer; null where the source does not tell. */
  writtenBytes: number | null;
  /**
   * The same counters per process of a tree (/proc). A process that exits takes its
   * counters with it, so the tree's total can fall: the sampler subtracts per pid.
   */
  processes?: Record<number, { cpuMs: number; writtenBytes: number | null }>;
}

/** A target whose resource use can be read: the app, a process node, a container. */
export interface Metered {
  readonly name: string;
  /** Where the figures come from. */
  readonly usageSource: 'proc' | 'docker';
  /** Undefined while the target is not running (between a kill and its start). */
  usage(): Promise<ResourceReading | undefined>;
}

export function isMetered(target: object): target is Metered {
  return typeof (target as Partial<Metered>).usage === 'function';
}

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every Linux ABI Node runs on). */
const CLOCK_TICKS_PER_S = 100;

const readText = (file: string) => readFile(file, 'utf8').catch(() => undefined);

/** utime + stime: its own CPU (a reaped child's is not added: it was counted while it lived). */
async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command (which may hold spaces and parens): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return at(14) + at(15);
}

/** VmRSS, or for a process of a tree its Pss (shared pages split between their users). */
async function residentBytes(pid: number, inTree: boolean): Promise<number> {
  const text = inTree
    ? await readText(`/proc/${pid}/smaps_rollup`)
    : await readText(`/proc/${pid}/status`);
  const match = text && (inTree ? /^Pss:\s+(\d+) kB/m : /^VmRSS:\s+(\d+) kB/m).exec(text);
  if (match) return Number(match[1]) * 1024;
  // No smaps_rollup (kernel < 4.14): RSS, shared pages then counted once per process.
  return inTree ? residentBytes(pid, false) : 0;
}

/** write_bytes of /proc/<pid>/io: what reached the block layer (page-cache writeback included). */
async function writtenBytes(pid: number): Promise<number | null> {
  const io = await readText(`/proc/${pid}/io`);
  const match = io && /^write_bytes:\s+(\d+)/m.exec(io);
  return match ? Number(match[1]) : null;
}

/** Direct children of every thread of the pid (/proc/<pid>/task/<tid>/children). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((tid) => readText(`/proc/${pid}/task/${tid}/children`)),
  );
  return lists.flatMap((list) => (list ?? '').split(' ').filter(Boolean).map(Number));
}

/** The pid and its descendants, walked from the root: a few reads, never all of /proc. */
async function treeOf(rootPid: number): Promise<number[]> {
  const tree: number[] = [];
  for (let level = [rootPid]; level.length;) {
    tree.push(...level);
    level = (await Promise.all(level.map(childrenOf))).flat();
  }
  return tree;
}

/**
 * A process tree's counters, summed (PostgreSQL forks a backend per connection; its
 * children count as the server's). Memory: VmRSS of a lone process; of a tree, the
 * sum of each process's Pss, so shared buffers mapped by every backend count once. Asynchronous file reads only: the sampler runs in
 * the load generator's process and must not stall its event loop. Undefined once the
 * root pid is gone.
 */
export async function processTreeUsage(rootPid: number): Promise<ResourceReading | undefined> {
  const tree = await treeOf(rootPid);
  const figures = await Promise.all(
    tree.map(async (pid) => ({
      ticks: await cpuTicks(pid),
      rss: await residentBytes(pid, tree.length > 1),
      written: await writtenBytes(pid),
    })),
  );
  if (figures[0]?.ticks === undefined) return undefined;
  const processes: NonNullable<ResourceReading['processes']> = {};
  let rss = 0;
  tree.forEach((pid, i) => {
    const f = figures[i]!;
    // Gone between the listing and the reads: its last counters are lost, not guessed.
    if (f.ticks === undefined) return;
    rss += f.rss;
    processes[pid] = { cpuMs: (f.ticks * 1000) / CLOCK_TICKS_PER_S, writtenBytes: f.written };
  });
  const all = Object.values(processes);
  const written = all.some((p) => p.writtenBytes === null)
    ? null
    : all.reduce((sum, p) => sum + p.writtenBytes!, 0);
  return {
    cpuMs: all.reduce((sum, p) => sum + p.cpuMs, 0),
    rssBytes: rss,
    writtenBytes: written,
    processes,
  };
}
