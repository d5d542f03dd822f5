import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/result.js';
import { chromiumMissing, launchChromium, openPage } from '../helpers/browser.js';
import { resultsIn, runCli } from '../helpers/cliProcess.js';
import { missingServers, skipServerTests } from '../helpers/processServers.js';

const missing = await missingServers([
  ['redis-server'],
  ['memcached'],
  ['mariadbd', 'mysqld'],
  ['postgres'],
]);
const browserMissing = chromiumMissing();
if (browserMissing && !process.env.CI) missing.push(browserMissing);

/** Just enough of document for these checks (the project compiles without lib "dom"). */
interface ClaimsDocument {
  querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }>;
}

describe.skipIf(skipServerTests(missing))(
  '--scenario claims: the seed post answered from a real run',
  () => {
    it('has the servers and Chromium', () => {
      expect(missing, 'install them with .ci/setup-servers.sh and .ci/setup-chromium.sh').toEqual(
        [],
      );
      expect(browserMissing).toBeUndefined();
    });

    it('runs what each claim needs and renders every claim in md and html', async () => {
      const out = await mkdtemp(path.join(os.tmpdir(), 'claims-'));
      const run = await runCli(
        [
          'run',
          '--scenario',
          'claims',
          '--duration',
          '4s',
          '--users',
          '100',
          '--provider',
          'process',
          '--format',
          'md,html,csv',
          '--out',
          out,
        ],
        // Inside the test's own timeout, so a slow run fails with the CLI's stderr.
        { timeoutMs: 280_000 },
      );
      expect(run.code, run.stderr.slice(-3000)).toBe(0);
      const [{ result, file }] = (await resultsIn(out)) as [{ result: RunResult; file: string }];
      const claims = result.claims!;
      expect(claims.map((c) => c.id)).toEqual([
        'disk-scale',
        'memcached-restart',
        'rdb-hotspot',
        'redis-persistence',
      ]);
      for (const claim of claims) {
        // Everything these claims need runs here: none may fall back to "not measured".
        expect(claim.verdict, `${claim.id}: ${claim.conditions}`).not.toBe('not measured');
        expect(claim.evidence.length, claim.id).toBeGreaterThan(0);
        expect(claim.runId).toBe(result.runId);
      }
      const tagged = (id: string) =>
        result.results.filter((r) => r.claim === id).map((r) => r.variant);
      expect(tagged('disk-scale')).toEqual(['disk', 'redis']);
      // The neighbour run, then the capacity search for each one's knee.
      expect(tagged('rdb-hotspot')).toEqual(['mysql', 'postgres', 'mysql', 'postgres']);
      const knees = result.results.filter((r) => r.claim === 'rdb-hotspot' && r.capacity);
      expect(knees.map((r) => r.variant)).toEqual(['mysql', 'postgres']);
      expect(claims[2]!.evidence.filter((e) => e.text.startsWith('capacity search'))).toHaveLength(
        2,
      );
      // Behind 2 instances with no sticky sessions, disk cannot find half its sessions.
      expect(claims[0]!.verdict).toBe('holds under conditions');
      // Every figure in a sentence is the result's own.
      const disk = result.results.find((r) => r.variant === 'disk')!;
      expect(claims[0]!.evidence[0]!.text).toContain(
        `${disk.audit.loggedOutUsers} of ${disk.users.total} users logged out`,
      );

      const md = await readFile(file.replace(/\.json$/, '.md'), 'utf8');
      expect(md).toContain('### Claims');
      for (const claim of claims) expect(md).toContain(`**"${claim.claim}": ${claim.verdict}**`);

      // csv: every row says which claim its run answers.
      const csv = (await readFile(file.replace(/\.json$/, '.csv'), 'utf8')).trim().split('\n');
      const claimColumn = csv[0]!.split(',').indexOf('claim');
      expect(claimColumn).toBeGreaterThan(0);
      expect(
        csv
          .slice(1)
          .every((row) =>
            /,(disk-scale|memcached-restart|rdb-hotspot|redis-persistence),/.test(row),
          ),
      ).toBe(true);

      const browser = await launchChromium();
      try {
        const { page, problems } = await openPage(
          browser.context,
          pathToFileURL(file.replace(/\.json$/, '.html')).href,
        );
        const shown = await page.evaluate(() => {
          const doc = (globalThis as unknown as { document: ClaimsDocument }).document;
          return Array.from(doc.querySelectorAll('section.claim h3'), (h) => h.textContent ?? '');
        });
        expect(shown).toEqual(claims.map((c) => `"${c.claim}": ${c.verdict}`));
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 300_000);
  },
);
