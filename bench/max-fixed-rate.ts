/**
 * Highest fixed arrival rate the driver sustains within 2% with `memory` on this
 * machine: steps the rate up, 10 s each, and reports the achieved rate, how many
 * requests left late, and p99.
 * Run: node --import tsx bench/max-fixed-rate.ts [startRps] [stepRps] [seconds]
 */
import { runMemory } from './memoryRun.js';

const startRps = Number(process.argv[2] ?? 2000);
const stepRps = Number(process.argv[3] ?? 1000);
const seconds = Number(process.argv[4] ?? 10);

let best = 0;
for (let rate = startRps; ; rate += stepRps) {
  const r = await runMemory({ rate: String(rate), duration: `${seconds}s`, users: '20000' });
  const expected = rate * seconds;
  const countOk = r.requests.total === expected;
  // Sustained: answered within 2% of the asked rate, no errors, and the driver kept
  // its schedule (at most 1% of requests left more than 10 ms late).
  const within =
    Math.abs(r.throughputRps - rate) / rate <= 0.02 &&
    r.requests.errors + r.requests.timeouts === 0 &&
    r.requests.late <= 0.01 * expected;
  console.log(
    `${String(rate).padStart(6)} req/s asked: ${r.throughputRps.toFixed(0).padStart(6)} answered/s, ` +
      `${r.requests.total}/${expected} sent, late ${r.requests.late}, errors ${r.requests.errors + r.requests.timeouts}, ` +
      `p50 ${(r.latencyUs.p50 / 1000).toFixed(1)} ms, p99 ${(r.latencyUs.p99 / 1000).toFixed(1)} ms -> ${within && countOk ? 'sustained' : 'NOT sustained'}`,
  );
  if (!(within && countOk)) break;
  best = rate;
}
console.log(`highest fixed rate sustained within 2% (<= 1% late): ${best} req/s (target >= 5000)`);
