import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RuntimeError, errorMessage } from '../errors.js';
import { EXTENSIONS, reporterNamed } from './reporters/index.js';
import type { RunResult } from '../result/result.js';

/**
 * Written to a temp file next to it, then moved in place: a reader never sees half a
 * file. With `replace: false` an existing file is never overwritten (another run's
 * result). A failed write removes its temp file and throws a RuntimeError naming the file.
 */
export async function writeAtomically(
  file: string,
  text: string,
  { replace = true }: { replace?: boolean } = {},
): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, text);
    // link() fails with EEXIST where rename() would silently replace.
    await (replace ? rename(temp, file) : link(temp, file));
  } catch (error) {
    throw new RuntimeError(`could not write ${file}: ${errorMessage(error)}`);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Writes each format to `<stem>.<ext>` (stem: the result file without `.json`);
 * `csv` brings its timeline along as `<stem>.timeline.csv`. Returns the files written.
 */
export async function writeReports(
  result: RunResult,
  formats: readonly string[],
  stem: string,
): Promise<string[]> {
  const wanted = formats.flatMap((f) => (f === 'csv' ? ['csv', 'timeline-csv'] : [f]));
  const written: string[] = [];
  for (const format of new Set(wanted)) {
    const file = `${stem}.${EXTENSIONS[format]}`;
    await writeAtomically(file, reporterNamed(format)(result));
    written.push(file);
  }
  return written;
}

/** For `--out report.csv`: the timeline goes to `report.timeline.csv`. */
export const timelineFileFor = (csvFile: string) =>
  `${csvFile.replace(/\.csv$/i, '')}.timeline.csv`;
