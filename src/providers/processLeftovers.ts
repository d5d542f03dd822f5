import { readFileSync } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { sleep } from '../lifecycle/sleep.js';
import { OWNER_FILE_NAME, parseStatStartTime } from '../lifecycle/runOwner.js';
import { RUN_NAME_PATTERN, runIdInName } from '../lifecycle/runNames.js';
import { MEMORY_DIR } from './process.js';
import { PID_FILE_NAME, type PidFile } from './processNode.js';

/** A run's temp folder: `session-bench-<runId>-XXXXXX` (lifecycle/runNames.ts). */
export const RUN_DIR_PATTERN = RUN_NAME_PATTERN;

/** Folders without any owner record are left alone while younger than this (a run may be starting). */
export const UNOWNED_MIN_AGE_MS = 10 * 60_000;

/** Where runs put their folders: the temp dir, and tmpfs for in-memory run dirs. */
export function leftoverRoots(): string[] {
  return [...new Set([os.tmpdir(), MEMORY_DIR])];
}

export interface ProcessInfo {
  /** argv from /proc/<pid>/cmdline; undefined when the pid is gone. */
  cmdline?: string[];
  startTime?: number;
  zombie?: boolean;
}

export function readProcess(pid: number): ProcessInfo {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return { cmdline, startTime: parseStatStartTime(stat), zombie: state === 'Z' };
  } catch {
    return {};
  }
}

export type ServerState = 'running' | 'gone' | 'reused';

/**
 * Is the pid in a pid file still the server it names? Gone when the pid is free (or
 * a zombie); reused when another program (or a later process) has the pid now.
 */
export function serverState(record: PidFile, info: ProcessInfo): ServerState {
  if (!info.cmdline || info.zombie) return 'gone';
  if (record.startTime !== undefined && info.startTime !== record.startTime) return 'reused';
  // Redis rewrites its title to "/usr/bin/redis-server 127.0.0.1:6379" in argv[0].
  const argv0 = (info.cmdline[0] ?? '').split(' ')[0] ?? '';
  return argv0 === record.binary || path.basename(argv0) === path.basename(record.binary)
    ? 'running'
    : 'reused';
}

/** Is a recorded owner (a session-bench process) still alive? */
export function ownerAlive(owner: { pid: number; startTime?: number }, info: ProcessInfo): boolean {
  if (!info.cmdline || info.zombie) return false;
  return owner.startTime === undefined || owner.startTime === info.startTime;
}

export interface LeftoverServer {
  pidFile: string;
  record: PidFile;
  state: ServerState;
}

export interface LeftoverDir {
  dir: string;
  runId: string;
  /** Live session-bench processes recorded as owners of this folder. */
  liveOwners: number[];
  /** Whether any owner record (pid file or owner.json) was found at all. */
  ownerKnown: boolean;
  servers: LeftoverServer[];
  /** Since the folder or one of its direct children last changed. */
  idleMs: number;
}

interface OwnerRecord {
  pid: number;
  startTime?: number;
}

/** Run folders under the roots, with what a crash may have left running in them. */
export async function findLeftovers(
  roots = leftoverRoots(),
  inspect: (pid: number) => ProcessInfo = readProcess,
): Promise<LeftoverDir[]> {
  const found: LeftoverDir[] = [];
  for (const root of roots) {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const runId = runIdInName(entry.name);
      if (!runId || !entry.isDirectory()) continue;
      const dir = path.join(root, entry.name);
      const owners: OwnerRecord[] = [];
      const servers: LeftoverServer[] = [];
      for (const file of await recordFiles(dir)) {
        const parsed = await readJson(file);
        if (!parsed) continue;
        if (path.basename(file) === PID_FILE_NAME) {
          const record = parsed as PidFile;
          if (!Number.isInteger(record.pid) || typeof record.binary !== 'string') continue;
          servers.push({ pidFile: file, record, state: serverState(record, inspect(record.pid)) });
          if (record.owner) owners.push(record.owner);
        } else {
          owners.push(parsed as OwnerRecord);
        }
      }
      const liveOwners = [
        ...new Set(
          owners
            .filter((o) => Number.isInteger(o.pid) && ownerAlive(o, inspect(o.pid)))
            .map((o) => o.pid),
        ),
      ];
      found.push({
        dir,
        runId,
        liveOwners,
        ownerKnown: owners.length > 0,
        servers,
        idleMs: Date.now() - (await lastChangeMs(dir)),
      });
    }
  }
  return found;
}

/** pid files and owner files, at most three levels down (run/variant/node/). */
async function recordFiles(dir: string, depth = 0): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && (entry.name === PID_FILE_NAME || entry.name === OWNER_FILE_NAME)) {
      files.push(full);
    } else if (entry.isDirectory() && depth < 2 && entry.name !== 'data') {
      files.push(...(await recordFiles(full, depth + 1)));
    }
  }
  return files;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function lastChangeMs(dir: string): Promise<number> {
  let latest = (await stat(dir)).mtimeMs;
  for (const entry of await readdir(dir).catch(() => [])) {
    const info = await stat(path.join(dir, entry)).catch(() => undefined);
    if (info) latest = Math.max(latest, info.mtimeMs);
  }
  return latest;
}

export interface CleanOptions {
  dryRun?: boolean;
  /** Also remove folders whose session-bench process still runs (or that look fresh). */
  force?: boolean;
  roots?: string[];
  minAgeMs?: number;
}

export interface CleanOutcome {
  dir: string;
  runId: string;
  action: 'removed' | 'kept' | 'would remove';
  reason?: string;
  killed: { pid: number; binary: string }[];
  /** Pids from pid files that were not killed, and why. */
  spared: { pid: number; binary: string; why: string }[];
  problems: string[];
}

/** What `clean` does with one folder; pure, so the rules are unit-tested. */
export function decide(
  dir: LeftoverDir,
  options: Pick<CleanOptions, 'force' | 'minAgeMs'>,
): { remove: boolean; reason?: string } {
  if (options.force) return { remove: true };
  if (dir.liveOwners.length > 0) {
    return {
      remove: false,
      reason: `in use by running session-bench pid ${dir.liveOwners.join(', ')} (--force to remove anyway)`,
    };
  }
  const minAgeMs = options.minAgeMs ?? UNOWNED_MIN_AGE_MS;
  if (!dir.ownerKnown && dir.idleMs < minAgeMs) {
    return {
      remove: false,
      reason: `no owner recorded and changed ${Math.round(dir.idleMs / 1000)} s ago, a run may be using it (--force to remove)`,
    };
  }
  return { remove: true };
}

/**
 * Kills servers an aborted or crashed run left behind (only pids whose
 * /proc/<pid>/cmdline still names the recorded binary) and removes the run folders.
 */
export async function cleanLeftovers(options: CleanOptions = {}): Promise<CleanOutcome[]> {
  const outcomes: CleanOutcome[] = [];
  for (const dir of await findLeftovers(options.roots)) {
    const { remove, reason } = decide(dir, options);
    const outcome: CleanOutcome = {
      dir: dir.dir,
      runId: dir.runId,
      action: remove ? (options.dryRun ? 'would remove' : 'removed') : 'kept',
      ...(reason ? { reason } : {}),
      killed: [],
      spared: [],
      problems: [],
    };
    outcomes.push(outcome);
    for (const server of dir.servers) {
      const { pid, binary } = server.record;
      if (server.state === 'reused') {
        outcome.spared.push({ pid, binary, why: 'the pid now belongs to another process' });
      } else if (server.state === 'running' && !remove) {
        outcome.spared.push({ pid, binary, why: reason ?? 'kept' });
      } else if (server.state === 'running') {
        if (!options.dryRun) {
          try {
            process.kill(pid, 'SIGKILL');
            await waitGone(pid);
          } catch (error) {
            outcome.problems.push(`kill ${pid}: ${errorMessage(error)}`);
            continue;
          }
        }
        outcome.killed.push({ pid, binary });
      }
    }
    if (remove && !options.dryRun && outcome.problems.length === 0) {
      await rm(dir.dir, { recursive: true, force: true }).catch((error: unknown) => {
        outcome.problems.push(`remove ${dir.dir}: ${errorMessage(error)}`);
      });
    }
  }
  return outcomes;
}

async function waitGone(pid: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = readProcess(pid);
    if (!info.cmdline || info.zombie) return;
    await sleep(50);
  }
  throw new Error(`pid ${pid} still there ${timeoutMs} ms after SIGKILL`);
}
