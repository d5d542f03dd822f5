import { readFile, readdir } from 'node:fs/promises';

/** Cumulative resource counters of one target at one moment (since its current start). */
export interface ResourceReading {
  /** CPU time, user + system, of the whole process tree (or container). */
  cpuMs: number;
  rssBytes: number;
  /** Bytes sent to the storage layer; null where the source does not tell. */
  writtenBytes: number | null;
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

/** utime + stime + cutime + cstime: its own CPU and that of the children it reaped. */
async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command (which may hold spaces and parens): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return at(14) + at(15) + at(16) + at(17);
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readText(`/proc/${pid}/status`);
  const match = status && /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
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
 * children count as the server's). Asynchronous file reads only: the sampler runs in
 * the load generator's process and must not stall its event loop. Undefined once the
 * root pid is gone.
 */
export async function processTreeUsage(rootPid: number): Promise<ResourceReading | undefined> {
  const tree = await treeOf(rootPid);
  const figures = await Promise.all(
    tree.map(async (pid) => ({
      ticks: await cpuTicks(pid),
      rss: await rssBytes(pid),
      written: await writtenBytes(pid),
    })),
  );
  if (figures[0]?.ticks === undefined) return undefined;
  let ticks = 0;
  let rss = 0;
  let written: number | null = 0;
  for (const f of figures) {
    ticks += f.ticks ?? 0;
    rss += f.rss;
    written = f.written === null || written === null ? null : written + f.written;
  }
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssBytes: rss, writtenBytes: written };
}
