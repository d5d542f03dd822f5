import type { AppPlan } from '../../config/planSchema.js';
import type { VariantResult } from '../../result/result.js';
import { installedVersions } from './installedVersions.js';
import { appPackagesFor, whyNoStore, type MiddlewareFamily } from './storePackages.js';

export type VariantApp = NonNullable<VariantResult['app']>;

/** The session middleware a flavour runs; builtin runs none. */
export function familyOf(flavour: string): MiddlewareFamily | undefined {
  if (flavour === 'express' || flavour === 'express:recommended') return 'express';
  if (flavour === 'fastify') return 'fastify';
  return undefined;
}

/**
 * The app a variant runs under the plan's flavour: the flavour, its options, and the
 * packages with their installed versions; or why the flavour cannot run the variant
 * (the variant is then skipped with that reason).
 */
export function variantApp(
  app: AppPlan,
  variant: string,
  topology: { nodes: number },
): { app: VariantApp; skipReason?: string } {
  const family = familyOf(app.flavour);
  const base = { flavour: app.flavour, options: app.options };
  if (!family) return { app: { ...base, packages: [] } };
  const skipReason = whyNoStore(family, variant, topology);
  const names = skipReason ? [] : (appPackagesFor(family, variant) ?? []);
  const packages = installedVersions(names);
  return { app: { ...base, packages }, ...(skipReason ? { skipReason } : {}) };
}
