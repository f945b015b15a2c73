/** Checks the commands share, all made before anything is read or contacted. */
import { UsageError } from '../../lambdas/errors.js';
import { STAGE_NAME } from '../../lambdas/names.js';

export function checkStage(stage: string): string {
  if (!STAGE_NAME.test(stage)) throw new UsageError('--stage takes a stage name: 1-32 lowercase letters, digits or -, e.g. dev or prod');
  return stage;
}

/** `--out ""` must not quietly mean "here": an option given as an empty (or blank) string is a usage error. */
export function rejectEmptyOptions(values: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${name} is empty; give it a value (see --help)`);
  }
}

/** A whole number from 1 to `max` for option `--name`; `what` names it in the error (e.g. "a number of versions"). */
export function parseCount(text: string, name: string, max: number, what = 'a whole number'): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1 && count <= max)) throw new UsageError(`--${name} takes ${what} from 1 to ${max}, not ${JSON.stringify(text)}`);
  return count;
}

/** A number of seconds for `--<name>`, 0 < s ≤ max, as milliseconds. */
export function parseSeconds(text: string, name: string, max: number): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds > 0 && seconds <= max)) {
    throw new UsageError(`--${name} takes a number of seconds above 0 and at most ${max}, not ${JSON.stringify(text)}`);
  }
  return Math.round(seconds * 1000);
}
