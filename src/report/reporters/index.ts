import { UsageError } from '../../errors.js';
import type { RunResult } from '../result.js';
import { renderJson } from './json.js';
import { renderTable } from './table.js';

export type Reporter = (result: RunResult) => string;

export const REPORTERS: Record<string, Reporter> = { table: renderTable, json: renderJson };

export function reporterNamed(name: string): Reporter {
  const reporter = REPORTERS[name];
  if (!reporter) {
    throw new UsageError(
      `unknown format ${JSON.stringify(name)}; formats: ${Object.keys(REPORTERS).join(', ')}`,
    );
  }
  return reporter;
}
