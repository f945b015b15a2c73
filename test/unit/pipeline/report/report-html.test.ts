/**
 * report.html as text: every value from the feed or the config is escaped (CUSIPs, dealer names,
 * sectors, rule names and rejection examples are data), the page fetches nothing, and its
 * sections say what the manifest says. The real browser renders it in test/unit/browser/report-page.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../../lambdas/pipeline/config.js';
import { esc } from '../../../../lambdas/pipeline/report/html.js';
import type { PublishedRuns } from '../../../../lambdas/pipeline/report/previous-runs.js';
import { runColors } from '../../../../lambdas/pipeline/run.js';
import { MemorySink, MemorySource, recordOf } from '../../../helpers/memory-ports.js';

const SCRIPT = '<script>alert("x")</script>';

async function report(rows: ReturnType<typeof recordOf>[], rules: unknown[] = []) {
  const sink = new MemorySink();
  const { manifest } = await runColors({
    source: new MemorySource([...COLUMNS], rows),
    sink,
    config: parseConfig(JSON.stringify({ rules, window: { timeZone: 'UTC' } }), 'c.json'),
    asOf: '2026-11-20',
    runId: 'RUN1',
    trigger: `manual ${SCRIPT}`,
  });
  return { html: sink.text('report.html'), manifest };
}

describe('report.html', () => {
  it('escapes every value it shows: a <script> in a CUSIP, a dealer, a sector, a rule name and a rejected row stays text', async () => {
    const { html } = await report(
      [
        recordOf({ MESSAGE_ID: '1', CUSIP: SCRIPT, DATE: '2026-11-20', PX: '100', SOURCE: `${SCRIPT}&co`, SECTOR: `'${SCRIPT}'` }),
        recordOf({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20', PX: '100', BIAS: 'TALK' }),
        recordOf({ MESSAGE_ID: '3', CUSIP: SCRIPT, DATE: 'not a date', PX: '100' }),
      ],
      [{ name: `talk ${SCRIPT}`, when: { column: 'BIAS', op: 'equals', value: 'TALK' } }],
    );
    expect(html.toLowerCase()).not.toContain('<script');
    const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';
    expect(html).toContain(`${escaped}&amp;co`); // dealer
    expect(html).toContain(`&#39;${escaped}&#39;`); // sector
    expect(html).toContain(`talk ${escaped}`); // rule
    expect(html).toContain(`manual ${escaped}`); // trigger
    expect(html).toContain(`<code>${escaped}</code>`); // the rejected row's CUSIP as read
  });

  it('escapes the CUSIPs of what changed', async () => {
    const sink = new MemorySink();
    // Earlier runs read back from the memory sink, as a folder or S3 would serve them.
    const publishedRuns: PublishedRuns = {
      readLatest: async (asOf) => {
        const pointer = sink.latest.get(asOf);
        return pointer ? Buffer.from(JSON.stringify(pointer)) : null;
      },
      readRunFile: async (asOf, runId, name) => {
        const run = sink.published.find((request) => request.asOf === asOf && request.runId === runId);
        const file = run && [...run.files, run.manifest].find((candidate) => candidate.name === name);
        return file ? Buffer.concat(file.chunks) : null;
      },
    };
    const config = parseConfig('{"rules":[]}', 'c.json');
    const rows = (px: string, cusip: string) => [
      recordOf({ MESSAGE_ID: '1', CUSIP: SCRIPT, DATE: '2026-11-20', PX: px }),
      recordOf({ MESSAGE_ID: '2', CUSIP: SCRIPT, DATE: '2026-11-20', PX: '100' }),
      recordOf({ MESSAGE_ID: '3', CUSIP: cusip, DATE: '2026-11-20', PX: '100' }),
    ];
    for (const [runId, px, cusip] of [
      ['RUN1', '99', `old${SCRIPT}`],
      ['RUN2', '101', `new${SCRIPT}`],
    ] as const) {
      await runColors({ source: new MemorySource([...COLUMNS], rows(px, cusip)), sink, publishedRuns, config, asOf: '2026-11-20', runId });
    }
    const html = sink.text('report.html');
    const key = '&lt;SCRIPT&gt;ALERT(&quot;X&quot;)&lt;/SCRIPT&gt;';
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).toContain(`<td><code>${key}</code></td>`); // the changed parent's CUSIP
    expect(html).toContain(`<strong>New CUSIPs:</strong> <code>NEW${key}</code>`);
    expect(html).toContain(`<strong>Gone CUSIPs:</strong> <code>OLD${key}</code>`);
  });

  it('is self-contained: no script, no link, no image, no URL to fetch', async () => {
    const { html } = await report([recordOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '2026-11-20', PX: '100' })]);
    expect(html).toMatch(/^<!doctype html>/);
    for (const pattern of [/<script/i, /<link/i, /<img/i, /<iframe/i, /\ssrc=/i, /\shref=/i, /url\(/i, /@import/i, /https?:/i])
      expect(html).not.toMatch(pattern);
    expect(html).toContain('<svg class="chart"');
    expect(html).toContain('@media print');
  });

  it('shows the conservation line, the overlaps of rules and the first rejected rows per reason', async () => {
    const rows = [
      recordOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '2026-11-20', PX: '', BIAS: 'TALK' }),
      recordOf({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20', PX: '', BIAS: 'BID' }),
      recordOf({ MESSAGE_ID: '3', CUSIP: 'BBB', DATE: '2026-11-20', PX: '1' }),
      ...['4', '5', '6', '7'].map((id) => recordOf({ MESSAGE_ID: id, CUSIP: `R${id}`, DATE: '2026-11-20', PX: 'x' })),
    ];
    const rules = [
      { name: 'talk', when: { column: 'BIAS', op: 'equals', value: 'TALK' } },
      { name: 'no-price', when: { column: 'PX', op: 'isEmpty' } },
    ];
    const { html, manifest } = await report(rows, rules);
    expect(manifest.counts).toMatchObject({ read: 7, ranked: 1, excluded: 2, rejected: 4 });
    expect(html).toContain('read = ranked + excluded + rejected: 7 = 1 + 2 + 4');
    expect(html).toContain("the rules' counts add up to 3 for 2 excluded rows");
    expect(html).toContain('<td>talk + no-price</td><td class="n">1</td>');
    // Three examples of four, in SOURCE_ROW order.
    expect(html).toMatch(
      /<td>PX: not a number<\/td><td class="n">4<\/td><td>row 4: <code>4<\/code> <code>R4<\/code><br>row 5: .*<br>row 6: [^<]*<code>6<\/code> <code>R6<\/code><\/td>/,
    );
  });

  it('escapes the five characters that matter in text and attributes', () => {
    expect(esc(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(esc(null)).toBe('');
  });
});
