import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RunResult } from '../../src/result/result.js';

export const FIXTURE_DIR = path.resolve('test/fixtures/report');
export const SCHEMA_FILE = path.resolve('schema/result.schema.json');

/**
 * A real run, reviewed and committed: `session-bench run --scenario smoke --backends
 * memory,disk,cookie --duration 6s --rate 80 --users 80 --fault pause:app@1s:600ms
 * --fault kill:app@3500ms` with five thresholds (see test/fixtures/report/README.md).
 */
export const FIXTURE = JSON.parse(
  readFileSync(path.join(FIXTURE_DIR, 'result.json'), 'utf8'),
) as RunResult;

/** A fresh copy, for tests that change it. */
export const fixture = (): RunResult => structuredClone(FIXTURE);

let validate: ((data: unknown) => string[]) | undefined;

/** Problems ajv finds against the committed JSON Schema; empty when valid. */
export function validateAgainstJsonSchema(data: unknown): string[] {
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const check = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
    validate = (d) =>
      check(d)
        ? []
        : (check.errors ?? []).map((e) => `${e.instancePath || '(top level)'} ${e.message ?? ''}`);
  }
  return validate(data);
}
