import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { processTreeUsage, type ResourceReading } from '../../lifecycle/resourceUsage.js';

interface ContainerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
}

/**
 * A container's counters from the Docker stats API (one-shot): CPU time, memory
 * without the reclaimable page cache (as `docker stats` shows it), bytes written
 * from blkio. Cgroup v1 on a virtio disk leaves blkio empty; then, when the daemon
 * runs on this machine, the container's process tree in /proc gives write_bytes
 * (checked to be this container's through /proc/<pid>/cgroup); else null.
 */
export async function containerUsage(
  container: Docker.Container,
): Promise<ResourceReading | undefined> {
  const stats = (await container.stats({ stream: false, 'one-shot': true } as {
    stream: false;
  })) as ContainerStats;
  const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage;
  const memory = stats.memory_stats;
  if (cpuNs === undefined || memory?.usage === undefined) return undefined;
  const cache = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  return {
    cpuMs: cpuNs / 1e6,
    rssBytes: Math.max(0, memory.usage - cache),
    writtenBytes: blkioWritten(stats) ?? (await procWritten(container)),
  };
}

function blkioWritten(stats: ContainerStats): number | null {
  const rows = stats.blkio_stats?.io_service_bytes_recursive ?? [];
  const writes = rows.filter((r) => r.op.toLowerCase() === 'write');
  return writes.length ? writes.reduce((sum, r) => sum + r.value, 0) : null;
}

async function procWritten(container: Docker.Container): Promise<number | null> {
  const pid = (await container.inspect()).State.Pid;
  if (!pid) return null;
  // A remote daemon's pid means nothing here: only a pid in this container's cgroup counts.
  const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  if (!cgroup.includes(container.id)) return null;
  return (await processTreeUsage(pid))?.writtenBytes ?? null;
}
