import { randomBytes } from 'node:crypto';

/*
 * One naming scheme for everything a run leaves outside the process (temp folders,
 * containers, volumes, keys and tables in a server the user runs): each name carries
 * the run id, so `clean` and the run's own cleanup can tell whose a thing is.
 */

/** A run id: the UTC start second and 3 random bytes, `YYYYMMDDTHHMMSS-hex6`. */
const RUN_ID_SOURCE = '\\d{8}T\\d{6}-[0-9a-f]{6}';
const RUN_ID = new RegExp(`^${RUN_ID_SOURCE}$`);

/** A new run id, made once per run; every name the run leaves carries it. */
export function newRunId(now = new Date()): string {
  const second = now.toISOString().replace(/[-:]/g, '').replace(/\..+/, '');
  return `${second}-${randomBytes(3).toString('hex')}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}

/**
 * `session-bench-<runId>-<part>...` with at least one part after the id (mkdtemp's
 * random suffix, or variant and node): the run id is group 1.
 */
export const RUN_NAME_PATTERN = new RegExp(`^session-bench-(${RUN_ID_SOURCE})-[^/]+$`);

/** `session-bench-<runId>-<parts>`: folders (mkdtemp adds its suffix), containers, volumes. */
export function runName(runId: string, ...parts: string[]): string {
  return ['session-bench', runId, ...parts].join('-');
}

/** The run id in a name made by runName, or undefined for any other name. */
export function runIdInName(name: string): string | undefined {
  return RUN_NAME_PATTERN.exec(name)?.[1];
}

/** Prefix of every key a run writes into a server it did not start: `session-bench:<runId>:`. */
export function runKeyPrefix(runId: string): string {
  return `session-bench:${runId}:`;
}

/** The table a run writes into a database it did not start; SQL names take `_`, not `-`. */
export function runTableName(runId: string): string {
  return `session_bench_${runId.replace(/-/g, '_')}`;
}
