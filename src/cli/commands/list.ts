import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { BACKENDS } from '../../backends/registry.js';
import { listScenarioNames } from '../../config/loadPlan.js';
import { SCENARIOS_DIR } from '../../paths.js';

interface Listing {
  backends: {
    backend: string;
    kind: string;
    variants: { id: string; description: string; available: boolean; reason?: string }[];
  }[];
  providers: { name: string; available: boolean; reason: string }[];
  scenarios: { name: string; description: string }[];
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
  return {
    backends: BACKENDS.map((b) => ({
      backend: b.name,
      kind: b.kind,
      variants: b.variants.map((v) => ({ ...v, available: true })),
    })),
    providers: [
      {
        name: 'embedded',
        available: true,
        reason: 'runs inside the app process; nothing to start',
      },
    ],
    scenarios,
  };
}

function render(listing: Listing): string {
  const lines = ['Backends and variants:'];
  for (const b of listing.backends) {
    for (const v of b.variants) {
      const mark = v.available ? 'yes' : `no (${v.reason})`;
      lines.push(
        `  ${v.id.padEnd(22)} ${b.kind.padEnd(9)} available: ${mark.padEnd(4)} ${v.description}`,
      );
    }
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
