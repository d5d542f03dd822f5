/**
 * The group guard's process (see groupGuard.ts): reads `guard <pgid>` and
 * `release <pgid>` lines on stdin; when stdin closes (session-bench ended, however),
 * it sends SIGKILL to every process group still guarded, then ends by itself.
 */
import { signalGroup } from './childProcess.js';

const guarded = new Set<number>();
let partial = '';

function onLine(line: string): void {
  const [verb, text] = line.trim().split(' ');
  const pgid = Number(text);
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  if (verb === 'guard') guarded.add(pgid);
  if (verb === 'release') guarded.delete(pgid);
}

let ended = false;
function killGuarded(): void {
  if (ended) return;
  ended = true;
  for (const pgid of guarded) signalGroup(pgid, 'SIGKILL');
  process.stdin.destroy();
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (partial + chunk).split('\n');
  partial = lines.pop() ?? '';
  lines.forEach(onLine);
});
process.stdin.once('end', killGuarded);
process.stdin.once('close', killGuarded);
process.stdin.resume();
