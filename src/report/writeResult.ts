import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from './result.js';

/** results/<timestamp>-<scenario>.json, named once per run. */
export function resultPath(outDir: string, result: RunResult): string {
  const stamp = result.startedAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const scenario = result.scenario.scenario.name.replace(/[^a-z0-9-]/gi, '_');
  return path.join(outDir, `${stamp}-${scenario}.json`);
}

/** Written to a temp file and renamed: a reader never sees half a result. */
export async function writeResult(file: string, result: RunResult): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(result, null, 2)}\n`);
  await rename(temp, file);
}
