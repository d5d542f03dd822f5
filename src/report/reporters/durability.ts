import Table from 'cli-table3';
import type { RunResult } from '../../result/result.js';

/**
 * The durability table: for each variant and whole-store fault, what the run saw
 * beside what the backend's documentation says. Empty when no fault had an expectation.
 */
export function renderDurability(result: RunResult): string {
  const rows = result.results.flatMap((r) =>
    r.faults
      .filter((f) => f.expectation)
      .map((f) => {
        const e = f.expectation!;
        return [
          r.variant,
          `${f.action} ${f.targets.join(',')}`,
          `${f.loggedOutUsers}/${f.loggedInUsersAtFault ?? '?'}`,
          String(f.lostUpdates),
          `${e.loss}: ${e.claim}`,
          e.matches ? 'yes' : 'MISMATCH',
          e.source,
        ];
      }),
  );
  if (rows.length === 0) return '';
  const table = new Table({
    head: ['variant', 'fault', 'logged out', 'lost upd.', 'documented', 'agrees', 'source'],
    colWidths: [20, 16, 12, 11, 48, 10, 40],
    wordWrap: true,
    style: { head: [], border: [], compact: true },
  });
  table.push(...rows);
  const mismatches = rows.filter((row) => row[5] === 'MISMATCH').length;
  const note =
    'Not simulated: power loss and OS crashes (a killed process leaves the page cache intact),\n' +
    'where disk without fsync, redis:aof-everysec and mysql:flush2 would lose recent writes.';
  return `durability (observed vs documented), ${mismatches} mismatch(es):\n${table.toString()}\n${note}\n`;
}
