/**
 * report.html: the page a person reads beside the manifest (docs/report.md). Self-contained: one
 * file with its styles inline, charts as inline SVG, no script, no font, no link to fetch, so it
 * opens the same from S3, a mail attachment or a laptop with no network. Readable on a phone (one
 * column, tables scroll sideways inside the page) and printable (print styles drop the colours).
 */

import type { OutputRenderer } from '../outputs/renderer.js';
import type { OutputWriter } from '../ports.js';
import { changesSection } from './changes-html.js';
import { barChart, esc, num, table } from './html.js';
import type { ReportModel } from './report-model.js';

export const REPORT_FILE = 'report.html';
export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

const STYLE = `
:root{color-scheme:light;--ink:#1d2530;--muted:#5b6672;--line:#d8dee4;--bar:#2f6db5;--warn:#9a3b00;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.45rem;margin:.2rem 0 .4rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .4rem}
code{font:13px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.status{padding:.5rem .75rem;border-radius:6px;background:#e7f3e9}.status.held{background:#fdeee4;color:var(--warn)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px;margin:.5rem 0}
.tile{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem}.tile span{display:block;color:var(--muted);font-size:.85rem}.tile strong{font-size:1.3rem}
.conservation{font-size:1.05rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.4rem 0;min-width:60%}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;background:var(--bg)}.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:var(--muted)}.facts{color:var(--muted);font-size:.85rem}
svg.chart{width:100%;max-width:640px;height:auto;font:13px system-ui,sans-serif}svg.chart rect{fill:var(--bar)}svg.chart text{fill:var(--ink)}
footer{margin-top:2rem;color:var(--muted);font-size:.85rem}
@media (max-width:600px){main{padding:10px}body{font-size:14px}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.3rem}}
@media print{body{font-size:11pt}main{max-width:none;padding:0}.scroll{overflow:visible}.status,.tile,th{background:none}
section,table,tr,svg{break-inside:avoid}h2,h3{break-after:avoid}svg.chart rect{fill:#555}a{color:inherit}}
`;

export function reportHtml(model: ReportModel): OutputRenderer {
  return {
    name: REPORT_FILE,
    contentType: HTML_CONTENT_TYPE,
    rows: 0,
    // biome-ignore lint/correctness/useYield: renderers are generators so that long ones can pause; this one is written in one piece.
    *render(out: OutputWriter) {
      out.write(page(model));
    },
  };
}

function page(model: ReportModel): string {
  const { run } = model;
  const title = `Run Colors report: as-of ${run.asOf}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${esc(title)}</h1>
${statusLine(model)}
</header>
${countsSection(model)}
${changesSection(model.comparisons)}
${runSection(model)}
${exclusionsSection(model)}
${rejectionsSection(model)}
${dealersSection(model)}
${sectorsSection(model)}
${groupsSection(model)}
<footer>Written by market-pulse ${esc(model.run.codeVersion)} with the run. Every count here is in manifest.json; the rows are in the CSV files beside this page.</footer>
</main>
</body>
</html>
`;
}

function statusLine({ run }: ReportModel): string {
  if (run.heldBack !== null)
    return `<p class="status held" id="status">Held back: ${esc(run.heldBack)}. latest.json was not moved to this run.</p>`;
  return `<p class="status" id="status">Published: latest.json moves to this run unless a newer run of the date is already there.</p>`;
}

function runSection({ run }: ReportModel): string {
  const config = run.config;
  const facts: [string, string][] = [
    ['as-of date', esc(run.asOf)],
    ['run id', `<code id="run-id">${esc(run.runId)}</code>`],
    ['trigger', esc(run.trigger ?? 'not recorded')],
    ['source', `<code>${esc(run.source)}</code>`],
    [
      'window',
      run.window === null
        ? 'the whole file'
        : `${esc(run.window.start)} to ${esc(run.window.end)} (${esc(run.window.lookbackDays)} day(s), ${esc(run.window.timeZone)})`,
    ],
    ['config', `<code>${esc(config.source)}</code>`],
    ['config version', `${esc(config.version ?? 'none')}${config.versionId ? ` (S3 version <code>${esc(config.versionId)}</code>)` : ''}`],
    ['config SHA-256', `<code>${esc(config.sha256)}</code>`],
    ['ranking order', esc(run.order.map((key) => `${key.column} ${key.direction}`).join(' → '))],
    ['time zone', esc(run.timeZone)],
    ['code version', esc(run.codeVersion)],
  ];
  return `<section id="run"><h2>The run</h2><dl class="facts">${facts.map(([term, value]) => `<dt>${esc(term)}</dt><dd>${value}</dd>`).join('')}</dl></section>`;
}

function countsSection({ counts, files }: ReportModel): string {
  const tile = (id: string, label: string, value: number) =>
    `<div class="tile"><span>${esc(label)}</span><strong id="count-${id}">${num(value)}</strong></div>`;
  const balanced = counts.read === counts.ranked + counts.excluded + counts.rejected;
  return `<section id="counts"><h2>Rows</h2>
<p class="conservation" id="conservation">read = ranked + excluded + rejected: ${num(counts.read)} = ${num(counts.ranked)} + ${num(counts.excluded)} + ${num(counts.rejected)}${balanced ? '' : ' <strong>(does not add up)</strong>'}</p>
<div class="tiles">${tile('read', 'read', counts.read)}${tile('ranked', 'ranked', counts.ranked)}${tile('groups', 'groups (CUSIPs)', counts.groups)}${tile('excluded', 'excluded', counts.excluded)}${tile('rejected', 'rejected', counts.rejected)}</div>
${table(
  ['file', 'rows', 'bytes'],
  files.map((file) => [`<code>${esc(file.name)}</code>`, num(file.rows), num(file.bytes)]),
  [1, 2],
)}
</section>`;
}

function exclusionsSection({ counts, overlaps }: ReportModel): string {
  const rules = Object.entries(counts.excludedByRule);
  if (rules.length === 0)
    return `<section id="exclusions"><h2>Exclusions</h2><p class="note">No active rule (and no dedupe).</p></section>`;
  const total = rules.reduce((sum, [, rows]) => sum + rows, 0);
  const parts = [
    table(
      ['rule', 'rows'],
      rules.map(([rule, rows]) => [esc(rule), num(rows)]),
      [1],
    ),
  ];
  if (total > counts.excluded) {
    parts.push(
      `<p>A row that matches several rules counts under each, so the rules' counts add up to ${num(total)} for ${num(counts.excluded)} excluded rows. The rows that matched more than one rule:</p>`,
      table(
        ['rules matched together', 'rows'],
        overlaps.map(({ rules: names, rows }) => [esc(names.join(' + ')), num(rows)]),
        [1],
      ),
    );
  } else {
    parts.push(`<p class="note">No row matched more than one rule: the counts add up to the ${num(counts.excluded)} excluded rows.</p>`);
  }
  return `<section id="exclusions"><h2>Exclusions per rule</h2>${parts.join('\n')}</section>`;
}

function rejectionsSection({ rejections, counts }: ReportModel): string {
  if (rejections.length === 0) return `<section id="rejections"><h2>Rejections</h2><p class="note">No row was rejected.</p></section>`;
  const example = (e: ReportModel['rejections'][number]['examples'][number]) =>
    `row ${num(e.sourceRow)}: <code>${esc(e.messageId ?? '(no MESSAGE_ID)')}</code> <code>${esc(e.cusip ?? '(no CUSIP)')}</code>`;
  const rows = rejections.map((reason) => [esc(reason.reason), num(reason.rows), reason.examples.map(example).join('<br>')]);
  return `<section id="rejections"><h2>Rejections per reason</h2>
<p class="note">${num(counts.rejected)} rows rejected; a row with several problems counts under each. rejected.csv has every row with its values as read.</p>
${table(['reason', 'rows', 'first rows (SOURCE_ROW: MESSAGE_ID CUSIP)'], rows, [1])}</section>`;
}

function dealersSection({ dealers }: ReportModel): string {
  const rows = dealers.map((dealer) => [
    dealer.value === null ? '<em>no SOURCE</em>' : esc(dealer.value),
    num(dealer.rows),
    num(dealer.parents),
  ]);
  return `<section id="dealers"><h2>Rows per dealer (SOURCE)</h2>
<p class="note">Ranked rows, and the CUSIPs whose parent (best color) is the dealer's.</p>
${table(['dealer', 'ranked rows', 'parents'], rows, [1, 2])}</section>`;
}

function sectorsSection({ sectors }: ReportModel): string {
  const rows = sectors.map((sector) => [sector.value === null ? '<em>no SECTOR</em>' : esc(sector.value), num(sector.rows)]);
  return `<section id="sectors"><h2>Rows per sector</h2>${table(['sector', 'ranked rows'], rows, [1])}</section>`;
}

function groupsSection({ histogram, counts }: ReportModel): string {
  const chart = barChart(
    'Groups by size (rows per CUSIP)',
    histogram.map((bin) => ({ label: bin.label, value: bin.groups })),
  );
  return `<section id="groups"><h2>Group sizes</h2>
<p class="note">${num(counts.groups)} CUSIPs: how many have 1, 2, 3… ranked rows (the parent and its children).</p>
${chart}</section>`;
}
