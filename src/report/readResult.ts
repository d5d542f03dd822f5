import { readFile } from 'node:fs/promises';
import { UsageError, errorMessage } from '../errors.js';
import { SCHEMA_VERSION, type RunResult } from '../result/result.js';
import { resultIssues } from '../result/resultSchema.js';

/**
 * Reads a result file for `report` and `compare`. A file of another schemaVersion is
 * refused by name (its fields may mean something else); a file that is not a
 * session-bench result says which fields are wrong.
 */
export async function readResult(file: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${errorMessage(error)}`);
  }
  const version =
    data !== null && typeof data === 'object'
      ? (data as { schemaVersion?: unknown }).schemaVersion
      : undefined;
  if (version === undefined) {
    throw new UsageError(
      `${file} has no schemaVersion: not a session-bench result (those come from session-bench run)`,
    );
  }
  if (version !== SCHEMA_VERSION) {
    throw new UsageError(
      `${file} has schemaVersion ${JSON.stringify(version)}; this session-bench reads schemaVersion ${SCHEMA_VERSION}. ` +
        'Use the session-bench version that wrote it, or run again.',
    );
  }
  const issues = resultIssues(data);
  if (issues.length) {
    const shown = issues.slice(0, 8).map((i) => `  ${i}`);
    if (issues.length > shown.length) shown.push(`  ... and ${issues.length - shown.length} more`);
    throw new UsageError(
      `${file} is not a valid session-bench result (schemaVersion ${SCHEMA_VERSION}):\n${shown.join('\n')}`,
    );
  }
  return data as RunResult;
}
