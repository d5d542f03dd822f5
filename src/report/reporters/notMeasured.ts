import type { VariantResult } from '../../result/result.js';
import { measured } from './common.js';

/**
 * Variants that were skipped, failed before measuring, or never reached: not
 * results, so no row of zeros. Their reasons are grouped (ten redis variants
 * skipped for one missing binary say it once), each with the way out.
 */
export interface NotMeasuredGroup {
  /** 1-based, as the rows refer to it: "skipped [1]". */
  number: number;
  status: VariantResult['status'];
  variants: string[];
  /** The reason, split at each provider's part ("docker: …", "process: …"). */
  reasons: string[];
  /** What would let it run: a package to install, a flag, a command. */
  wayOut: string[];
}

/** The Debian package that ships each server binary a backend looks for. */
const PACKAGE_OF_BINARY: Record<string, string> = {
  'redis-server': 'redis-server',
  memcached: 'memcached',
  mariadbd: 'mariadb-server',
  mysqld: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  mysql_install_db: 'mariadb-server',
};

/** The reason without the variant's own name, so that variants skipped alike group. */
export function reasonKey(r: VariantResult): string {
  const reason = r.reason ?? `${r.status} without a reason`;
  return reason
    .replace(`cannot start ${r.variant}: `, '')
    .replace(` (needed by ${r.variant})`, '')
    .trim();
}

/** "docker: …; process: …" → one line per provider; other reasons stay whole. */
const splitReason = (reason: string) =>
  reason
    .split(/;\s+(?=(?:docker|process|external):)/)
    .map((part) => part.trim())
    .filter(Boolean);

/** The ways out a reason points to; empty when it names none the tool knows. */
export function wayOut(reason: string, backend?: string): string[] {
  const out: string[] = [];
  const missing = [...reason.matchAll(/([\w.-]+(?: or [\w.-]+)*) not found on PATH/g)];
  const packages = new Set(
    missing.flatMap((m) => m[1]!.split(' or ').map((b) => PACKAGE_OF_BINARY[b] ?? '')),
  );
  packages.delete('');
  if (packages.size) {
    out.push(`install the Debian package ${[...packages].join(', ')} (--provider process)`);
  }
  if (reason.includes('images build-offline')) {
    out.push('`session-bench images build-offline`, then --provider docker --image-set offline');
  }
  if (/no --target/.test(reason)) {
    out.push(
      `an existing server: --provider external --target ${backend ?? '<backend>'}=<url on 127.0.0.1>`,
    );
  }
  if (reason.includes('interrupted')) out.push('run it again');
  return out;
}

/** The not-measured variants, grouped by status and reason, in the order they ran. */
export function notMeasuredGroups(results: readonly VariantResult[]): NotMeasuredGroup[] {
  const groups = new Map<string, NotMeasuredGroup>();
  for (const r of results) {
    if (measured(r)) continue;
    const reason = reasonKey(r);
    const key = `${r.status}\n${reason}`;
    const group = groups.get(key);
    if (group) {
      group.variants.push(r.variant);
      continue;
    }
    groups.set(key, {
      number: groups.size + 1,
      status: r.status,
      variants: [r.variant],
      reasons: splitReason(reason),
      wayOut: wayOut(reason, r.backend),
    });
  }
  return [...groups.values()];
}

/** The group a variant's row refers to, if it was not measured. */
export const groupOf = (groups: readonly NotMeasuredGroup[], variant: string) =>
  groups.find((g) => g.variants.includes(variant));
