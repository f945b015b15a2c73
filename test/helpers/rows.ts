/** Builds real ColorRows through the real validator, so tests never hand-make impossible rows. */
import { COLUMNS, type ColumnName } from '../../lambdas/pipeline/columns.js';
import { type ColorRow, isRejected, RowValidator, resolveHeader } from '../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../lambdas/pipeline/time-zone.js';

export function rowValidator(timeZone = 'UTC'): RowValidator {
  return new RowValidator(resolveHeader([...COLUMNS], 'test'), new ZoneClock(timeZone));
}

let nextSourceRow = 1;

export function colorRow(fields: Partial<Record<ColumnName, string | null>>, validator = rowValidator()): ColorRow {
  const result = validator.validate({ sourceRow: nextSourceRow++, values: COLUMNS.map((column) => fields[column] ?? null) });
  if (isRejected(result)) throw new Error(`test row is invalid: ${result.reasons.join('; ')}`);
  return result;
}
