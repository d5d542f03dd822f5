import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Marks a folder created for a run, so `clean` knows whose it is. */
export const OWNER_FILE_NAME = 'owner.json';

/** The start time of a process, or undefined when it is gone (or not on Linux). */
export function processStartTime(pid: number): number | undefined {
  try {
    return parseStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name in field 2 may hold spaces and parens. */
export function parseStatStartTime(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const value = Number(fields[19]);
  return Number.isFinite(value) ? value : undefined;
}

/** Records which session-bench process owns a folder (checked by `clean`). */
export async function writeOwnerFile(dir: string): Promise<void> {
  const owner = { pid: process.pid, startTime: processStartTime(process.pid) };
  await writeFile(path.join(dir, OWNER_FILE_NAME), `${JSON.stringify(owner)}\n`);
}
