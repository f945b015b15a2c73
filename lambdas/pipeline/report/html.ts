/**
 * Building HTML from data safely: every value put into report.html goes through {@link esc} (in
 * text and in attribute values alike), because CUSIPs, dealer names, rule names and rejection
 * reasons are data from the feed or the config and may hold `<`, `&` or quotes. Markup is made
 * only by these helpers and the report's own literals.
 */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML text and double- or single-quoted attribute values. */
export function esc(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A count as the CLI prints it: `1,842`. */
export function num(value: number): string {
  return value.toLocaleString('en-US');
}

/** A signed change: `+12`, `−3`, `0`. */
export function delta(from: number, to: number): string {
  const change = to - from;
  return change > 0 ? `+${num(change)}` : change < 0 ? `−${num(-change)}` : '0';
}

/** A table of already-safe cells (each cell's HTML is the caller's), wrapped to scroll sideways on a phone. */
export function table(headings: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const cls = (index: number) => (numeric.includes(index) ? ' class="n"' : '');
  const head = headings.map((heading, index) => `<th${cls(index)}>${esc(heading)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((cell, index) => `<td${cls(index)}>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/**
 * A horizontal bar chart as inline SVG (no script, no library): one labelled bar per entry, its
 * count at the end. Scales with the page width through its viewBox.
 */
export function barChart(title: string, bars: readonly { readonly label: string; readonly value: number }[]): string {
  const width = 600;
  const row = 26;
  const labelWidth = 90;
  const countWidth = 70;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const height = bars.length * row + 4;
  const shapes = bars.map((bar, index) => {
    const y = index * row + 2;
    const length = Math.round(((width - labelWidth - countWidth) * bar.value) / max);
    return (
      `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${esc(bar.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 4}" width="${length}" height="${row - 8}" rx="2"></rect>` +
      `<text x="${labelWidth + length + 6}" y="${y + 17}">${esc(num(bar.value))}</text>`
    );
  });
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${shapes.join('')}</svg>`;
}
