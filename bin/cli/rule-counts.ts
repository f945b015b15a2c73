/**
 * The summary's "excluded by rule" line. A row that matches several rules is counted under each, so
 * the counts can add up to more than the rows excluded: the line says so when they do. A config with
 * many rules gets the busiest few and a count of the rest, not a line per rule (manifest.json has
 * every count).
 */
export const LISTED_RULES = 8;

export function excludedByRuleLine(excludedByRule: Readonly<Record<string, number>>, excluded: number): string | undefined {
  const rules = Object.entries(excludedByRule);
  if (rules.length === 0) return undefined;
  const n = (value: number) => value.toLocaleString('en-US');
  const total = rules.reduce((sum, [, count]) => sum + count, 0);
  const label = total > excluded ? 'excluded by rule (a row can match several)' : 'excluded by rule';
  if (rules.length <= LISTED_RULES) return `${label}: ${rules.map(([name, count]) => `${name} ${n(count)}`).join(', ')}`;
  // Stable sort: rules with equal counts keep document order.
  const busiest = [...rules].sort(([, a], [, b]) => b - a).slice(0, LISTED_RULES);
  const rest = rules.length - LISTED_RULES;
  const listed = busiest.map(([name, count]) => `${name} ${n(count)}`).join(', ');
  return `${label}: ${listed} and ${n(rest)} more rule(s) (every count is in manifest.json)`;
}
