import { readFileSync, readdirSync } from 'node:fs';

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

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime: its own CPU and that of children it reaped. */
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const at = (field: number) => Number(fields[field - 3]);
    return { ppid: at(4), cpuTicks: at(14) + at(15) + at(16) + at(17) };
  } catch {
    return undefined;
  }
}

function readRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** write_bytes of /proc/<pid>/io: what reached the block layer (page-cache writeback included). */
function readWrittenBytes(pid: number): number | null {
  try {
    const match = /^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The pid and all its descendants, from one pass over /proc. */
function treeOf(rootPid: number): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return stats;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const tree = new Map<number, ProcStat>();
  const root = stats.get(rootPid);
  if (!root) return tree;
  tree.set(rootPid, root);
  // Parents before children is not guaranteed by pid order: repeat until nothing joins.
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, stat] of stats) {
      if (!tree.has(pid) && tree.has(stat.ppid)) {
        tree.set(pid, stat);
        grew = true;
      }
    }
  }
  return tree;
}

/**
 * A process tree's counters, summed (PostgreSQL forks a backend per connection; its
 * children count as the server's). Undefined once the root pid is gone.
 */
export function processTreeUsage(rootPid: number): ResourceReading | undefined {
  const tree = treeOf(rootPid);
  if (!tree.size) return undefined;
  let cpuTicks = 0;
  let rssBytes = 0;
  let writtenBytes: number | null = 0;
  for (const [pid, stat] of tree) {
    cpuTicks += stat.cpuTicks;
    rssBytes += readRssBytes(pid);
    const written = readWrittenBytes(pid);
    writtenBytes = written === null || writtenBytes === null ? null : writtenBytes + written;
  }
  return { cpuMs: (cpuTicks * 1000) / CLOCK_TICKS_PER_S, rssBytes, writtenBytes };
}
