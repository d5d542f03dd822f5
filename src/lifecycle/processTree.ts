import { readFileSync, readdirSync } from 'node:fs';

/**
 * The direct children of a process, from /proc (Linux; elsewhere none). PostgreSQL's
 * backends each call setsid(), so a process group does not reach them: their
 * parent pid does.
 */
export function childPidsOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat && stat.ppid === pid) children.push(Number(entry));
  }
  return children;
}

/**
 * True while a process of group `pgid` runs. A zombie does not count: one whose
 * parent exited waits for init to reap it, and init may take a second (a
 * container's init), while kill(-pgid, 0) still finds it.
 */
export function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return signalGroupZero(pgid);
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    const stat = statOf(Number(entry));
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
  });
}

function signalGroupZero(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** State letter, parent pid and process group from /proc/<pid>/stat; undefined once the pid is gone. */
function statOf(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) may hold spaces and parens: read after the last ')'.
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** Sends a signal to each pid, ignoring those already gone. */
export function signalEach(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already exited.
    }
  }
}

/** True while the pid runs (a zombie has exited: it holds no resources but its pid). */
export function isAlive(pid: number): boolean {
  const stat = statOf(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}
