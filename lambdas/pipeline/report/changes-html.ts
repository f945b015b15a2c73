/**
 * The "What changed" section of report.html: one part per comparison (the previous run of the same
 * date, the last run of the previous date), each with the counts that moved, the parents that
 * changed and why, and the CUSIPs new and gone. Long lists show their first {@link LISTED} entries;
 * changes.json has every one.
 */
import type { ParentChange, ParentSnapshot, RunComparison } from './changes.js';
import { MOVED_COUNTS } from './changes.js';
import { delta, esc, num, table } from './html.js';

export const LISTED = 50;

const TITLES: Readonly<Record<RunComparison['relation'], string>> = {
  'same-date': 'Since the previous run of this date',
  'previous-date': 'Since the last run of the previous date',
};

export function changesSection(comparisons: readonly RunComparison[]): string {
  return `<section id="changes"><h2>What changed</h2>\n${comparisons.map(comparisonPart).join('\n')}\n</section>`;
}

function comparisonPart(comparison: RunComparison): string {
  const title = `<h3>${esc(TITLES[comparison.relation])}</h3>`;
  const id = `changes-${comparison.relation}`;
  if (comparison.status !== 'compared' || comparison.against === null || comparison.counts === null) {
    const lead = comparison.status === 'unreadable' ? 'No comparison: ' : 'No previous run: ';
    return `<div class="part" id="${id}" data-status="${esc(comparison.status)}">${title}<p class="note">${esc(lead)}${esc(comparison.note)}</p></div>`;
  }
  const { against, counts, parents } = comparison;
  const lines = [
    title,
    `<p>Compared with run <code>${esc(against.runId)}</code> of ${esc(against.asOf)}.</p>`,
    table(
      ['rows', 'then', 'now', 'change'],
      MOVED_COUNTS.map((name) => [esc(name), num(counts[name].from), num(counts[name].to), delta(counts[name].from, counts[name].to)]),
      [1, 2, 3],
    ),
  ];
  if (comparison.note !== null) lines.push(`<p class="note">${esc(comparison.note)}</p>`);
  if (parents !== null) {
    const reasons = Object.entries(parents.changedByReason).filter(([, count]) => count > 0);
    lines.push(
      `<p class="summary"><strong class="parents-changed">${num(parents.changed.length)}</strong> parents changed` +
        (reasons.length > 0 ? ` (${reasons.map(([why, count]) => `${esc(why)} ${num(count)}`).join(', ')})` : '') +
        `, <strong class="cusips-new">${num(parents.newCusips.length)}</strong> CUSIPs new, <strong class="cusips-gone">${num(parents.goneCusips.length)}</strong> gone, ${num(parents.unchanged)} unchanged.</p>`,
    );
    if (parents.changed.length > 0) lines.push(changedTable(parents.changed));
    lines.push(cusipList('New CUSIPs', parents.newCusips), cusipList('Gone CUSIPs', parents.goneCusips));
  }
  return `<div class="part" id="${id}" data-status="compared">${lines.join('\n')}</div>`;
}

function changedTable(changed: readonly ParentChange[]): string {
  const rows = changed
    .slice(0, LISTED)
    .map((change) => [`<code>${esc(change.cusip)}</code>`, parent(change.from), parent(change.to), why(change)]);
  return table(['CUSIP', 'old parent', 'new parent', 'why'], rows) + more(changed.length);
}

function parent(snapshot: ParentSnapshot): string {
  const facts = [
    snapshot.source,
    snapshot.rank === null ? null : `rank ${snapshot.rank}`,
    snapshot.date,
    snapshot.px === null ? null : `px ${snapshot.px}`,
  ];
  return `<code>${esc(snapshot.messageId)}</code><br><span class="facts">${esc(facts.filter((fact) => fact !== null).join(' · '))}</span>`;
}

function why(change: ParentChange): string {
  return change.column === null ? esc(change.why) : `${esc(change.why)} <span class="facts">(${esc(change.column)})</span>`;
}

function cusipList(title: string, cusips: readonly string[]): string {
  if (cusips.length === 0) return '';
  const items = cusips
    .slice(0, LISTED)
    .map((cusip) => `<code>${esc(cusip)}</code>`)
    .join(' ');
  return `<p><strong>${esc(title)}:</strong> ${items}</p>${more(cusips.length)}`;
}

function more(total: number): string {
  return total > LISTED ? `<p class="note">The first ${num(LISTED)} of ${num(total)}; changes.json lists every one.</p>` : '';
}
