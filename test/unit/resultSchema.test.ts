import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { resultIssues, resultJsonSchema } from '../../src/result/resultSchema.js';
import { validateAgainstJsonSchema, FIXTURE, SCHEMA_FILE } from '../helpers/reportFixture.js';

describe('result schema', () => {
  it('is committed as generated (UPDATE_SCHEMA=1 rewrites schema/result.schema.json)', async () => {
    const generated = resultJsonSchema();
    if (process.env.UPDATE_SCHEMA) {
      const options = { ...(await resolveConfig(SCHEMA_FILE)), filepath: SCHEMA_FILE };
      writeFileSync(SCHEMA_FILE, await format(JSON.stringify(generated), options));
    }
    const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as unknown;
    expect(committed).toEqual(generated);
  });

  it('accepts the fixture from a real run, with zod and with a JSON Schema validator', () => {
    expect(resultIssues(FIXTURE)).toEqual([]);
    expect(validateAgainstJsonSchema(FIXTURE)).toEqual([]);
  });

  it('names the fields that are wrong', () => {
    const broken = structuredClone(FIXTURE) as unknown as Record<string, unknown>;
    (broken.results as Record<string, unknown>[])[0]!.latencyUs = { p50: 'fast' };
    delete broken.machine;
    const issues = resultIssues(broken);
    expect(issues.join('\n')).toMatch(/machine/);
    expect(issues.join('\n')).toMatch(/results\.0\.latencyUs\.p50/);
    expect(validateAgainstJsonSchema(broken).join('\n')).toMatch(/machine/);
  });

  it('lives where the README says', () => {
    expect(path.relative(process.cwd(), SCHEMA_FILE)).toBe(
      path.join('schema', 'result.schema.json'),
    );
  });
});
