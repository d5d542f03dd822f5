import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RuntimeError, errorMessage } from '../errors.js';
import { renderJson } from './reporters/json.js';
import type { RunResult } from '../result/result.js';
import { writeAtomically } from './writeReports.js';

/**
 * `<outDir>/<runId>-<scenario>.json`: the run id (start time + random part) makes
 * runs started in the same second with the same --out land in different files.
 */
export function resultPath(outDir: string, result: RunResult): string {
  const scenario = result.scenario.scenario.name.replace(/[^a-z0-9-]/gi, '_');
  const shard = result.shard ? `-shard${result.shard.index}of${result.shard.count}` : '';
  return path.join(outDir, `${result.runId}-${scenario}${shard}.json`);
}

/**
 * One run's result file, written after each variant and at the end. The first write
 * never replaces an existing file (another run's); the later ones replace this run's own.
 */
export class ResultFile {
  /** Whether this run's file exists (a partial one, at least). */
  created = false;

  constructor(readonly file: string) {}

  async write(result: RunResult): Promise<void> {
    await writeResult(this.file, result, { replace: this.created });
    this.created = true;
  }
}

/** The result JSON, the same text as `report --format json`; a reader never sees half of it. */
export function writeResult(
  file: string,
  result: RunResult,
  options?: { replace?: boolean },
): Promise<void> {
  return writeAtomically(file, renderJson(result), options);
}

/**
 * The end result: written in place, or, when that fails (disk full, folder gone
 * read-only), kept in the OS temp folder instead, and this run's own partial file
 * removed (the whole result is elsewhere now). Returns the error to report: one line
 * naming both places.
 */
export async function writeFinal(
  file: ResultFile,
  result: RunResult,
): Promise<RuntimeError | undefined> {
  const failure = await file.write(result).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (failure === undefined) return undefined;
  const fallback = path.join(os.tmpdir(), path.basename(file.file));
  try {
    await writeResult(fallback, result, { replace: false });
  } catch (second) {
    return new RuntimeError(
      `${errorMessage(failure)}; keeping it in ${fallback} failed too: ${errorMessage(second)}`,
    );
  }
  if (file.created) await rm(file.file, { force: true }).catch(() => undefined);
  return new RuntimeError(`${errorMessage(failure)}; the result is kept in ${fallback}`);
}
