import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXTENSIONS, reporterNamed } from './reporters/index.js';
import type { RunResult } from '../result/result.js';

/** Written to a temp file and renamed: a reader never sees half a report. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
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
