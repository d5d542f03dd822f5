import type { ClaimResult, RunResult } from '../../result/result.js';
import { escapeHtml } from './htmlTables.js';
import { safeText, wrap } from './text.js';

/**
 * The answer to each claim of the seed post (`--scenario claims`), in every
 * reporter: the claim in the post's words, the verdict with its conditions, and the
 * figures behind it, all taken from the result.
 */
const heading = (c: ClaimResult) => `"${c.claim}": ${c.verdict}`;

export function claimsMarkdown(result: RunResult): string[] {
  if (!result.claims?.length) return [];
  return [
    '',
    '### Claims',
    '',
    ...result.claims.flatMap((c) => [
      `**${heading(c)}**${c.conditions ? `: ${c.conditions}` : ''}`,
      '',
      `- Run: ${c.setup}`,
      ...c.evidence.map((e) => `- \`${e.variant}\`: ${e.text}`),
      '',
    ]),
  ];
}

export function claimsText(result: RunResult, width: number): string[] {
  if (!result.claims?.length) return [];
  return [
    'claims:',
    ...result.claims.flatMap((c) => [
      wrap(
        safeText(`${heading(c)}${c.conditions ? `: ${c.conditions}` : ''}`),
        width,
        '  ',
        '    ',
      ),
      ...c.evidence.map((e) => wrap(safeText(`${e.variant}: ${e.text}`), width, '    ', '      ')),
    ]),
  ];
}

export function claimsHtml(result: RunResult): string {
  if (!result.claims?.length) return '';
  const claims = result.claims.map(
    (c) =>
      `<section class="claim"><h3>${escapeHtml(`"${c.claim}"`)}: <span class="verdict">${escapeHtml(c.verdict)}</span></h3>` +
      (c.conditions ? `<p>${escapeHtml(c.conditions)}</p>` : '') +
      `<ul><li>Run: ${escapeHtml(c.setup)}</li>${c.evidence
        .map((e) => `<li><code>${escapeHtml(e.variant)}</code>: ${escapeHtml(e.text)}</li>`)
        .join('')}</ul></section>`,
  );
  return `<h2>Claims</h2>\n${claims.join('\n')}`;
}
