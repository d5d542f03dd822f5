import { describe, expect, it } from 'vitest';
import {
  compareResults,
  renderComparisonMarkdown,
  renderComparisonTable,
} from '../../src/report/compare.js';
import { renderCsv } from '../../src/report/reporters/csv.js';
import { renderDurability } from '../../src/report/reporters/durability.js';
import { renderHtml } from '../../src/report/reporters/html.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { renderTable } from '../../src/report/reporters/table.js';
import type { RunResult, VariantResult } from '../../src/result/result.js';
import { fixture } from '../helpers/reportFixture.js';

/** Review findings on the reporters after the "Figures a reader cannot misread" round. */

const SHARED = 'shared: lost at this fault or an overlapping one, blamed on neither';

/** memory's pause and kill overlap: 81 users and 4 updates lost that either could have caused. */
function withShared(): RunResult {
  const result = fixture();
  const [pause, kill] = result.results[0]!.faults as [
    VariantResult['faults'][0],
    VariantResult['faults'][0],
  ];
  Object.assign(kill, { loggedOutUsers: 111, loggedInUsersAtFault: 192 });
  Object.assign(kill, { ambiguousLoggedOutUsers: 81, ambiguousLostUpdates: 4 });
  Object.assign(pause, { loggedOutUsers: 0, ambiguousLoggedOutUsers: 81, ambiguousLostUpdates: 4 });
  kill.expectation = { loss: 'all', claim: 'in the app', source: 'docs', matches: true };
  pause.expectation = {
    loss: 'none',
    claim: 'a pause keeps the process',
    source: 'docs',
    matches: null,
    reason: '81 logged-out users could be this fault or an overlapping one',
  };
  return result;
}

const line = (text: string, ...parts: RegExp[]) =>
  text.split('\n').find((l) => parts.every((p) => p.test(l)));

describe('losses shared by overlapping faults are shown (review item 1)', () => {
  it('table, md, html and the durability table say "+81 shared" with a legend', () => {
    const result = withShared();
    const table = renderTable(result);
    expect(line(table, /memory/, /kill:app/)).toMatch(/111\/192 \+81 shared$/);
    expect(line(table, /memory/, /pause:app/)).toMatch(/0 \+81 shared$/);
    expect(table).toContain(SHARED);
    expect(renderTable(result, { wide: true })).toMatch(/111\/192 \+81 shared +0 \+4 shared/);
    const md = renderMarkdown(result);
    expect(md).toContain('| 111 / 192 +81 shared | 0 +4 shared |');
    expect(md).toContain(`- ${SHARED}`);
    const html = renderHtml(result);
    expect(html).toContain('<td class="n">111 / 192 +81 shared</td>');
    expect(html).toContain(`<li>${SHARED}</li>`);
    const durability = renderDurability(result);
    expect(line(durability, /memory/, /kill app0/)).toMatch(/111\/192 \+81 shared +0 \+4 shared/);
    expect(durability).toContain(SHARED);
  });

  it('no legend where nothing is shared', () => {
    expect(renderTable(fixture())).not.toContain('shared');
    expect(renderMarkdown(fixture())).not.toContain('shared');
  });
});

describe('html summary shows losses of a variant whose fault did not run (review item 2)', () => {
  it('says "75 / 80 (no fault)" as table and md do, not "no fault" alone', () => {
    const result = fixture();
    result.results[0]!.faults.forEach((f) =>
      Object.assign(f, { status: 'skipped', startedMs: null, reason: 'no node0' }),
    );
    expect(renderHtml(result)).toContain('<td class="n">75 / 80 (no fault)</td>');
    expect(renderMarkdown(result)).toContain('| 75 / 80 (no fault) |');
  });
});

describe('csv says what makes a row not clean (review item 3)', () => {
  it('run status, stall, unexpected exits and the caveat have columns', () => {
    const result = fixture();
    result.status = 'partial';
    const [memory, disk] = result.results as [VariantResult, VariantResult];
    memory.stalled = { atMs: 3000, forMs: 5200 };
    disk.unexpectedExits = [{ tMs: 2400, target: 'app0' }];
    disk.durabilityCaveat = 'a compressed day';
    const [head, ...rows] = renderCsv(result).trim().split('\r\n');
    const names = head!.split(',');
    const read = (row: string) => Object.fromEntries(row.split(',').map((v, i) => [names[i], v]));
    expect(read(rows[0]!)).toMatchObject({
      runStatus: 'partial',
      stalledAtMs: '3000',
      stalledForMs: '5200',
      unexpectedExits: '',
    });
    expect(read(rows[1]!)).toMatchObject({
      unexpectedExits: 'app0@2400ms',
      durabilityCaveat: 'a compressed day',
      stalledAtMs: '',
    });
  });

  it('compare warns when a side is partial, stalled, died or has a caveat', () => {
    const base = fixture();
    const head = fixture();
    head.status = 'aborted';
    head.results[0]!.stalled = { atMs: 3000, forMs: 5200 };
    base.results[1]!.unexpectedExits = [{ tMs: 2400, target: 'app0' }];
    head.results[2]!.durabilityCaveat = 'a compressed day';
    const c = compareResults(base, head, []);
    expect(c.warnings).toEqual([
      'disk: app0 died at 2.4 s without a planned fault, in the base',
      expect.stringMatching(/^the head run was aborted/),
      'memory: stalled at 3.0 s (no answer for 5.2 s), in the head',
      'cookie: loss figures not representative in the head: a compressed day',
    ]);
    const text = renderComparisonTable(c);
    expect(text).toContain('not clean:\n  disk: app0 died');
    expect(renderComparisonMarkdown(c)).toContain('> - memory: stalled at 3.0 s');
    expect(text).not.toMatch(/[{}]/);
    expect(compareResults(fixture(), fixture(), []).warnings).toEqual([]);
  });
});

describe('one spelling per fact (review item 4)', () => {
  it('status, recovery, caveat and "logged in later" read the same in table, md and html', () => {
    const result = fixture();
    const memory = result.results[0]!;
    memory.stalled = { atMs: 3000, forMs: 5200 };
    memory.durabilityCaveat = 'a compressed day';
    memory.faults[1]!.loggedOutOutsidePopulation = 2;
    const table = renderTable(result);
    const md = renderMarkdown(result);
    const html = renderHtml(result);
    for (const text of [table, md, html]) {
      expect(text).toContain('stalled at 3.0 s');
      expect(text).toContain('memory: stalled at 3.0 s (no answer for 5.2 s)');
      expect(text).toContain('† memory: a compressed day');
      expect(text).toContain('+2 logged in later');
      expect(text).toContain('none in run');
      expect(text).not.toContain('not within the run');
    }
    expect(html).not.toMatch(/stalled at 3\.0 s for|, \+2 logged in later|\(\+2 logged in later\)/);
    // The planned faults, a pause with its duration, as md and html write them.
    expect(table.replace(/\n +/g, ' ')).toContain('faults pause:app@1s:600ms kill:app@3.5s');
    expect(md).toContain('**Faults:** pause:app@1s:600ms kill:app@3.5s');
    // The fault window's label in the chart: the same text.
    expect(html).toContain('"lossText":"logged out 70/75 +2 logged in later"');
  });
});

describe('the terminal durability table says why a fault is undecided (review item 5)', () => {
  it('one line per undecided fault, with its reason', () => {
    const text = renderDurability(withShared());
    expect(text).toMatch(/memory +pause app0 .* undecided/);
    expect(text.replace(/\n +/g, ' ')).toContain(
      'memory pause app0 undecided: 81 logged-out users could be this fault or an overlapping one',
    );
    expect(text.match(/undecided:/g)).toHaveLength(2); // the heading's count, and the one line
  });
});

describe('a partly skipped fault list is marked in the loss cell (review item 6)', () => {
  it('"75/80 (1 of 2 faults did not run)" in table, md and html', () => {
    const result = fixture();
    Object.assign(result.results[0]!.faults[0]!, { status: 'skipped', startedMs: null });
    expect(line(renderTable(result, { wide: true }), /^memory/)).toContain(
      '75/80 (1 of 2 faults did not run)',
    );
    expect(renderMarkdown(result)).toContain('| 75 / 80 (1 of 2 faults did not run) |');
    expect(renderHtml(result)).toContain('75 / 80 (1 of 2 faults did not run)');
    expect(renderMarkdown(fixture())).not.toContain('did not run');
  });
});

describe('a network fault says how the app answered during it, in every fault table', () => {
  it('md and html status cells and the wide table column carry the answers', () => {
    const result = fixture();
    const fault = result.results[0]!.faults[0]!;
    fault.answers = { ok: 812, unavailable503: 95, loginWall401: 0, errors: 0, timeouts: 0 };
    expect(renderMarkdown(result)).toContain('during it 812 ok, 95×503, 0×401');
    expect(renderHtml(result)).toContain('during it 812 ok, 95×503, 0×401');
    expect(renderTable(result, { wide: true })).toContain('812 ok, 95×503, 0×401');
  });
});
