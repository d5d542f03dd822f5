import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Backend } from '../../backends/backend.js';
import { BACKENDS } from '../../backends/registry.js';
import { listScenarioNames } from '../../config/loadPlan.js';
import { errorMessage } from '../../errors.js';
import { SCENARIOS_DIR } from '../../paths.js';
import { processProvider, searchDirs } from '../../providers/process.js';
import { PROVIDERS } from '../../providers/registry.js';

interface VariantListing {
  id: string;
  description: string;
  available: boolean;
  /** Providers that can start it here (server variants). */
  providers?: string[];
  reason?: string;
}

interface ServerListing {
  backend: string;
  /** Looked up in this order; the first found runs. */
  binaries: string[];
  /** Absolute path of the binary the process provider would run, or null (see reason). */
  found: string | null;
  server?: { name: string; version: string };
  reason?: string;
}

interface Listing {
  backends: { backend: string; kind: string; variants: VariantListing[] }[];
  /** Server binaries for the process provider, and their versions. */
  servers: ServerListing[];
  providers: { name: string; available: boolean; reason: string }[];
  scenarios: { name: string; description: string }[];
}

async function listVariant(
  backend: Backend,
  variant: { id: string; description: string },
): Promise<VariantListing> {
  if (!backend.serverSpec) return { ...variant, available: true };
  const spec = backend.serverSpec(variant.id, { nodes: 1 });
  const checks = await Promise.all(
    PROVIDERS.map(async (p) => ({ name: p.name, ...(await p.check(spec)) })),
  );
  const providers = checks.filter((c) => c.available).map((c) => c.name);
  if (providers.length) return { ...variant, available: true, providers };
  const reason = checks.length
    ? checks.map((c) => `${c.name}: ${c.reason}`).join('; ')
    : 'no provider can start servers here';
  return { ...variant, available: false, providers, reason };
}

async function listServer(backend: Backend): Promise<ServerListing | undefined> {
  const first = backend.variants[0];
  if (!backend.serverSpec || !first) return undefined;
  const spec = backend.serverSpec(first.id, { nodes: 1 });
  try {
    const probe = await processProvider.probe(spec);
    return {
      backend: backend.name,
      binaries: spec.binaries,
      found: probe.binary,
      server: probe.server,
    };
  } catch (error) {
    return {
      backend: backend.name,
      binaries: spec.binaries,
      found: null,
      reason: errorMessage(error),
    };
  }
}

async function collect(): Promise<Listing> {
  const scenarios = await Promise.all(
    (await listScenarioNames()).map(async (name) => {
      const raw = parseYaml(await readFile(path.join(SCENARIOS_DIR, `${name}.yaml`), 'utf8')) as {
        description?: string;
      };
      return { name, description: (raw.description ?? '').split('\n')[0] ?? '' };
    }),
  );
  const backends = await Promise.all(
    BACKENDS.map(async (b) => ({
      backend: b.name,
      kind: b.kind,
      variants: await Promise.all(b.variants.map((v) => listVariant(b, v))),
    })),
  );
  const servers = (await Promise.all(BACKENDS.map(listServer))).filter(
    (s): s is ServerListing => s !== undefined,
  );
  return { backends, servers, providers: listProviders(backends, servers), scenarios };
}

function listProviders(backends: Listing['backends'], servers: ServerListing[]) {
  const providers: Listing['providers'] = [
    { name: 'embedded', available: true, reason: 'runs inside the app process; nothing to start' },
  ];
  const serverVariants = backends.flatMap((b) => (b.kind === 'server' ? b.variants : []));
  for (const provider of PROVIDERS) {
    const runs = serverVariants.filter((v) => v.providers?.includes(provider.name));
    let reason = `can start ${runs.length} of ${serverVariants.length} server variants here`;
    if (provider.name === 'process') {
      const found = servers
        .filter((s) => s.found)
        .map((s) => `${s.server?.name} ${s.server?.version}`);
      // The provider's own reason: a missing helper (mariadb-install-db) counts too.
      const missing = servers.filter((s) => !s.found).map((s) => `${s.backend} (${s.reason})`);
      reason =
        `local binaries on PATH: ${found.join(', ') || 'none found'}` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '');
    }
    providers.push({ name: provider.name, available: runs.length > 0, reason });
  }
  return providers;
}

function render(listing: Listing): string {
  const lines = ['Backends and variants:'];
  for (const b of listing.backends) {
    for (const v of b.variants) {
      const mark = v.available ? (v.providers ? `yes (${v.providers.join(', ')})` : 'yes') : 'no';
      lines.push(
        `  ${v.id.padEnd(22)} ${b.kind.padEnd(9)} available: ${mark.padEnd(14)} ${v.description}`,
      );
      if (!v.available && v.reason) lines.push(`${' '.repeat(36)}why not: ${v.reason}`);
    }
  }
  lines.push('', `Server binaries (process provider; PATH, then ${searchDirs('').join(', ')}):`);
  for (const s of listing.servers) {
    const what = s.found
      ? `${s.found}  ${s.server?.name} ${s.server?.version}`
      : `not usable: ${s.reason}`;
    lines.push(`  ${s.backend.padEnd(10)} ${s.binaries.join(' or ').padEnd(22)} ${what}`);
  }
  lines.push('', 'Providers:');
  for (const p of listing.providers)
    lines.push(`  ${p.name.padEnd(10)} ${p.available ? 'available' : 'unavailable'}: ${p.reason}`);
  lines.push('', 'Scenarios (session-bench run --scenario <name>):');
  for (const s of listing.scenarios) lines.push(`  ${s.name.padEnd(10)} ${s.description}`);
  return `${lines.join('\n')}\n`;
}

export function listCommand(): Command {
  return new Command('list')
    .description('list backends, variants, providers and scenarios, and which are available here')
    .option('--json', 'print the listing as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ session-bench list\n  $ session-bench list --json | jq .backends',
    )
    .action(async (flags: { json?: boolean }) => {
      const listing = await collect();
      process.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : render(listing));
    });
}
