import { describe, expect, it } from 'vitest';
import { failoverMarkdown, renderFailover } from '../../src/report/reporters/failover.js';
import { renderMarkdown } from '../../src/report/reporters/md.js';
import { fixture, validateAgainstJsonSchema } from '../helpers/reportFixture.js';

function withFailover() {
  const result = fixture();
  const variant = result.results.find((r) => r.faults.some((f) => f.status === 'done'))!;
  const fault = variant.faults.find((f) => f.status === 'done')!;
  fault.failover = {
    primaryBefore: 'node0',
    primaryAfter: 'node1',
    failoverMs: 3100,
    promoted: true,
  };
  fault.staleReads = 7;
  const stuck = structuredClone(fault);
  delete stuck.staleReads;
  stuck.failover = {
    primaryBefore: 'node0',
    primaryAfter: null,
    failoverMs: null,
    promoted: false,
  };
  variant.faults.push(stuck);
  return result;
}

describe('failover table', () => {
  it('shows the primary before and after, the failover time, and never 0 for an unmeasured one', () => {
    const result = withFailover();
    expect(validateAgainstJsonSchema(result)).toEqual([]);
    const text = renderFailover(result);
    expect(text).toMatch(/node0 → node1 +3100 ms/);
    expect(text).toMatch(/node0 → \? \(none promoted\) +no write acked/);
    const md = renderMarkdown(result);
    expect(md).toContain('### Failover');
    expect(failoverMarkdown(result).join('\n')).toContain('| node0 → node1 | 3100 ms |');
  });

  it('says how many reads were stale, and "not measured" for a result written before', () => {
    const rows = failoverMarkdown(withFailover()).join('\n');
    expect(rows).toMatch(/\| 3100 ms \|[^\n]*\| 7 \|/);
    expect(rows).toMatch(/\| no write acked \|[^\n]*\| not measured \|/);
  });

  it('a skipped fault on a replicated store is a row saying skipped, not a failover time', () => {
    const result = withFailover();
    const variant = result.results.find((r) => r.faults.some((f) => f.failover))!;
    const skipped = structuredClone(variant.faults[0]!);
    delete skipped.failover;
    Object.assign(skipped, { action: 'partition', status: 'skipped', reason: 'no peer links' });
    variant.faults.push(skipped);
    const text = renderFailover(result);
    expect(text).toMatch(/partition:\S+ +— +skipped +— +— +— +—/);
    expect(failoverMarkdown(result).join('\n')).toMatch(/\| — \| skipped \| — \|/);
  });

  it('is absent when no fault hit a primary', () => {
    expect(renderFailover(fixture())).toBe('');
    expect(failoverMarkdown(fixture())).toEqual([]);
  });
});

describe('failover table in html', () => {
  it('lists the faults on a primary, escaped', async () => {
    const { renderHtml } = await import('../../src/report/reporters/html.js');
    const html = renderHtml(withFailover());
    expect(html).toContain('<h2>Failover</h2>');
    expect(html).toContain('node0 → node1');
    expect(renderHtml(fixture())).not.toContain('<h2>Failover</h2>');
  });
});
