import type { z } from 'zod';
import type {
  auditCountsSchema,
  claimResultSchema,
  capacityResultSchema,
  capacityStepSchema,
  expectationSchema,
  faultPhasesSchema,
  faultResultSchema,
  latencySummarySchema,
  lifecycleEventSchema,
  neighborPhaseSchema,
  neighborResultSchema,
  phaseSummarySchema,
  requestCountsSchema,
  resourcePointSchema,
  resourceUsageSchema,
  runResultSchema,
  shardInfoSchema,
  thresholdVerdictSchema,
  timelinePointSchema,
  variantResultSchema,
} from './resultSchema.js';

/**
 * The result model, imported by every layer that writes or reads a result. Each type
 * is inferred from the zod schema in resultSchema.ts, the one place the shape is written.
 */

export { SCHEMA_VERSION } from './resultSchema.js';

export type AuditCounts = z.infer<typeof auditCountsSchema>;
export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type RequestCounts = z.infer<typeof requestCountsSchema>;
export type PhaseSummary = z.infer<typeof phaseSummarySchema>;
export type FaultPhases = z.infer<typeof faultPhasesSchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type LossExpectation = Expectation['loss'];
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
export type FaultResult = z.infer<typeof faultResultSchema>;
export type TimelinePoint = z.infer<typeof timelinePointSchema>;
export type VariantResult = z.infer<typeof variantResultSchema>;
export type ClaimResult = z.infer<typeof claimResultSchema>;
export type NeighborResult = z.infer<typeof neighborResultSchema>;
export type NeighborPhaseResult = z.infer<typeof neighborPhaseSchema>;
export type RunResult = z.infer<typeof runResultSchema>;
export type ShardInfo = z.infer<typeof shardInfoSchema>;
export type CapacityResult = z.infer<typeof capacityResultSchema>;
export type CapacityStep = z.infer<typeof capacityStepSchema>;
export type ResourceUsage = z.infer<typeof resourceUsageSchema>;
export type ResourcePoint = z.infer<typeof resourcePointSchema>;
/** One threshold judged on one variant (src/report/thresholds.ts). */
export type ThresholdVerdict = z.infer<typeof thresholdVerdictSchema>;
