/** What runColors tells a progress reporter: a count every `progressEvery` rows, and each phase in order. */
import { describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { MemorySink, MemorySource, recordOf } from '../../helpers/memory-ports.js';

const rows = Array.from({ length: 25 }, (_, index) => recordOf({ MESSAGE_ID: String(index + 1), CUSIP: 'AAA', DATE: '2026-11-20' }));

async function events(dryRun: boolean): Promise<string[]> {
  const seen: string[] = [];
  await runColors({
    source: new MemorySource([...COLUMNS], rows),
    sink: new MemorySink(),
    config: parseConfig('{"rules": []}', 'test.json'),
    asOf: '2026-11-20',
    runId: 'RUNID',
    dryRun,
    progressEvery: 10,
    onProgress: (read) => seen.push(`read ${read}`),
    onPhase: (phase) => seen.push(phase),
  });
  return seen;
}

describe('runColors progress', () => {
  it('counts rows read, then ranks, renders and publishes', async () => {
    expect(await events(false)).toEqual(['read 10', 'read 20', 'ranking', 'rendering', 'publishing']);
  });

  it('does not announce publishing on a dry run', async () => {
    expect(await events(true)).toEqual(['read 10', 'read 20', 'ranking', 'rendering']);
  });
});
