/** Runs every core benchmark in turn: `npm run bench`. Figures go to stdout. */
import { execFileSync } from 'node:child_process';

const scripts: [string, string[]][] = [
  ['bench/ledger-memory.ts', ['--expose-gc']],
  ['bench/harness-overhead.ts', []],
  ['bench/max-fixed-rate.ts', []],
];
for (const [script, flags] of scripts) {
  console.log(`\n== ${script}`);
  execFileSync(process.execPath, [...flags, '--import', 'tsx', script], { stdio: 'inherit' });
}
