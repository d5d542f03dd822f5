import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { FaultPlan, Plan } from '../../src/config/loadPlan.js';
import type {
  FaultResult,
  RunResult,
  ThresholdVerdict,
  TimelinePoint,
  VariantResult,
} from '../../src/report/result.js';
import {
  resultIssues,
  resultJsonSchema,
  type faultPlanSchema,
  type faultResultSchema,
  type planSchema,
  type runResultSchema,
  type thresholdVerdictSchema,
  type timelinePointSchema,
  type variantResultSchema,
} from '../../src/report/resultSchema.js';
import { validateAgainstJsonSchema, FIXTURE, SCHEMA_FILE } from '../helpers/reportFixture.js';

/**
 * Compile-time: the zod schema (and so the committed JSON Schema) describes exactly
 * the interfaces of src/report/result.ts. When `npm run typecheck` fails on a line
 * below, a field was added or changed there: mirror it in src/report/resultSchema.ts,
 * then regenerate the JSON file (UPDATE_SCHEMA=1, see below).
 */
type Same<A, B> =
  (<T>() => T extends Flat<A> ? 1 : 2) extends <T>() => T extends Flat<B> ? 1 : 2 ? true : false;
/** `A & B` and one object with the fields of both are the same shape; spell both alike. */
type Flat<T> = T extends object ? { [K in keyof T]: Flat<T[K]> } : T;
const inSync: {
  faultPlan: Same<z.input<typeof faultPlanSchema>, FaultPlan>;
  plan: Same<z.input<typeof planSchema>, Plan>;
  fault: Same<z.input<typeof faultResultSchema>, FaultResult>;
  timeline: Same<z.input<typeof timelinePointSchema>, TimelinePoint>;
  variant: Same<z.input<typeof variantResultSchema>, VariantResult>;
  verdict: Same<z.input<typeof thresholdVerdictSchema>, ThresholdVerdict>;
  run: Same<z.input<typeof runResultSchema>, RunResult>;
} = {
  faultPlan: true,
  plan: true,
  fault: true,
  timeline: true,
  variant: true,
  verdict: true,
  run: true,
};

describe('result schema', () => {
  it('mirrors result.ts (checked by the compiler)', () => {
    expect(Object.values(inSync).every(Boolean)).toBe(true);
  });

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
