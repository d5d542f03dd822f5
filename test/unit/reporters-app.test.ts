import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/report/reporters/csv.js';
import { renderDurability } from '../../src/report/reporters/durability.js';
import { renderHtml } from '../../src/report/reporters/html.js';
import { renderJson } from '../../src/report/reporters/json.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { variantSummaryLine } from '../../src/report/reporters/summaryLine.js';
import { renderTable } from '../../src/report/reporters/table.js';
import { visibleWidth } from '../../src/report/reporters/text.js';
import type { RunResult } from '../../src/result/result.js';
import { fixture, validateAgainstJsonSchema } from '../helpers/reportFixture.js';

const PACKAGES = [
  { name: 'express', version: '5.3.0' },
  { name: 'express-session', version: '1.19.0' },
  { name: 'connect-redis', version: '9.0.0' },
  { name: 'redis', version: '5.9.0' },
];

/** The fixture as if run with `--app express:recommended --app-option rolling=true`. */
function withApp(): RunResult {
  const result = fixture();
  const options = { rolling: 'true' };
  result.scenario.app = { flavour: 'express:recommended', options };
  for (const r of result.results) {
    // A long variant name: the narrow table must still fit 80 columns.
    if (r.variant === 'disk') r.variant = 'redis:aof-everysec';
    r.app = { flavour: 'express:recommended', options, packages: PACKAGES };
  }
  // A fault with a documented expectation, so the durability table has rows.
  const fault = result.results[0]!.faults[1]!;
  fault.expectation = { loss: 'all', claim: 'memory lives in the app', source: 'x', matches: true };
  return result;
}

const PACKAGE_TEXT = 'express 5.3.0, express-session 1.19.0, connect-redis 9.0.0, redis 5.9.0';

describe('the app flavour, its options and its packages in every reporter', () => {
  it('is a valid result with the app field', () => {
    expect(validateAgainstJsonSchema(withApp())).toEqual([]);
    expect(JSON.parse(renderJson(withApp())).results[0].app.packages).toEqual(PACKAGES);
  });

  it('text: the heading names the app, packages are listed per variant, within 80 columns', () => {
    const text = renderTable(withApp());
    expect(text).toContain('app express:recommended (rolling=true)');
    expect(text).toContain(`packages:\n  memory: express 5.3.0, express-session 1.19.0,`);
    for (const line of text.split('\n')) expect(visibleWidth(line), line).toBeLessThanOrEqual(80);
    // One app for the whole run: no column for it in the narrow table...
    expect(text).toMatch(/^variant {2,}req\/s/m);
    // ...but --wide has it, and so does a result whose variants ran different apps.
    expect(renderTable(withApp(), { wide: true })).toMatch(/^variant +app +req\/s/m);
    const mixed = withApp();
    mixed.results[2]!.app = { flavour: 'fastify', options: {}, packages: [] };
    expect(renderTable(mixed)).toMatch(/^variant +app +req\/s/m);
    expect(renderTable(mixed)).toMatch(/^cookie +fastify /m);
  });

  it('durability: an app column when --wide or when the apps differ', () => {
    expect(renderDurability(withApp())).not.toMatch(/variant +app/);
    expect(renderDurability(withApp(), { wide: true })).toMatch(
      /variant +app +fault[^\n]*\n +memory +express:recommended rolling=true +kill/,
    );
  });

  it('md, html, csv and the CI line carry flavour, options and packages', () => {
    const md = renderMarkdown(withApp());
    expect(md).toContain('| `memory` | express:recommended rolling=true | ');
    expect(md).toContain(
      `- **App:** express:recommended (rolling=true); memory: ${PACKAGE_TEXT}; redis:aof-everysec: ${PACKAGE_TEXT}`,
    );
    const html = renderHtml(withApp());
    expect(html).toContain('<td>memory</td><td>express:recommended rolling=true</td>');
    expect(html).toContain(`<td>${PACKAGE_TEXT}</td>`);
    const [head, row] = renderCsv(withApp()).split('\r\n');
    const cells = Object.fromEntries(
      head!.split(',').map((h, i) => [h, row!.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)[i]]),
    );
    expect(cells).toMatchObject({
      app: 'express:recommended',
      appOptions: 'rolling=true',
      appPackages: `"${PACKAGE_TEXT}"`,
    });
    expect(variantSummaryLine(withApp().results[0]!)).toMatch(
      /^memory \[express:recommended rolling=true\]: ok, /,
    );
    expect(variantSummaryLine(fixture().results[0]!)).toMatch(/^memory: ok, /);
  });
});

describe('compare', () => {
  it('says when the two runs ran different apps', async () => {
    const { compareResults } = await import('../../src/report/compare.js');
    const same = compareResults(fixture(), fixture(), []);
    expect(same.differences.filter((d) => d.startsWith('app'))).toEqual([]);
    const c = compareResults(fixture(), withApp(), []);
    expect(c.differences).toContain(
      'app: builtin in the base; express:recommended (rolling=true) in the head',
    );
  });
});
