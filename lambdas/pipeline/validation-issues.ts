/** Turning zod issues into {@link ConfigIssue}s located by a readable JSON path. */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.js';

/** `['rules', 2, 'when', 'all', 1, 'op']` → `rules[2].when.all[1].op`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function joinJsonPath(prefix: string, path: readonly PropertyKey[]): string {
  const rest = formatJsonPath(path);
  if (prefix === '') return rest;
  if (rest === '') return prefix;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

export function zodIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    // One issue per unknown key, located at the key itself, reads better than zod's list.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: joinJsonPath(prefix, [...issue.path, key]), message: 'unknown key' }))
      : [{ path: joinJsonPath(prefix, issue.path), message: issue.message }],
  );
}
