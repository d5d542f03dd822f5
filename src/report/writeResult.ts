import path from 'node:path';
import { renderJson } from './reporters/json.js';
import type { RunResult } from '../result/result.js';
import { writeAtomically } from './writeReports.js';

/** results/<timestamp>-<scenario>.json, named once per run. */
export function resultPath(outDir: string, result: RunResult): string {
  const stamp = result.startedAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const scenario = result.scenario.scenario.name.replace(/[^a-z0-9-]/gi, '_');
  return path.join(outDir, `${stamp}-${scenario}.json`);
}

/** The result JSON, the same text as `report --format json`; a reader never sees half of it. */
export function writeResult(file: string, result: RunResult): Promise<void> {
  return writeAtomically(file, renderJson(result));
}
