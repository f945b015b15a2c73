import { describe, expect, it } from 'vitest';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { holdBackReason } from '../../../lambdas/pipeline/hold-back.js';
import { runColors } from '../../../lambdas/pipeline/run.js';
import { MemorySink, MemorySource, recordOf } from '../../helpers/memory-ports.js';

const counts = (read: number, ranked: number, excluded: number, rejected: number) => ({ read, ranked, excluded, rejected });

describe('holdBackReason', () => {
  it('holds back a run with no ranked rows, whatever the ratio', () => {
    expect(holdBackReason(counts(0, 0, 0, 0), 1)).toBe('no ranked rows: the input has no data rows');
    expect(holdBackReason(counts(2_000, 0, 2_000, 0), 1)).toBe('no ranked rows (2,000 read: 2,000 excluded, 0 rejected)');
    expect(holdBackReason(counts(3, 0, 1, 2), 1)).toBe('no ranked rows (3 read: 1 excluded, 2 rejected)');
  });

  it('holds back a run whose rejected rows exceed the ratio of rows read, and only then', () => {
    expect(holdBackReason(counts(2_000, 800, 0, 1_200), 0.5)).toBe(
      '1,200 of 2,000 rows rejected (60%), more than publish.maxRejectedRatio 0.5',
    );
    expect(holdBackReason(counts(2_000, 1_000, 0, 1_000), 0.5)).toBeNull();
    expect(holdBackReason(counts(3, 2, 0, 1), 0.3)).toBe('1 of 3 rows rejected (33.3%), more than publish.maxRejectedRatio 0.3');
    expect(holdBackReason(counts(3, 2, 0, 1), 0)).not.toBeNull();
    expect(holdBackReason(counts(3, 1, 0, 2), 1)).toBeNull();
  });
});

describe('runColors and held-back runs', () => {
  const header = [...COLUMNS];
  const good = (id: string) => recordOf({ MESSAGE_ID: id, CUSIP: 'AAA', DATE: '2026-11-20T10:00:00', PX: '100' });
  // A date written the US way is rejected: every row of such a feed is.
  const usDate = (id: string) => recordOf({ MESSAGE_ID: id, CUSIP: 'AAA', DATE: '3/13/2026', PX: '100' });

  async function run(rows: (string | null)[][], publish?: Record<string, unknown>) {
    const sink = new MemorySink();
    const config = parseConfig(JSON.stringify({ rules: [], ...(publish ? { publish } : {}) }), 'c.json');
    const result = await runColors({ source: new MemorySource(header, rows), sink, config, asOf: '2026-11-20', runId: 'RUN2' });
    return { ...result, sink };
  }

  it('publishes the run with the reason in its manifest, and asks the sink not to move latest.json', async () => {
    const { manifest, published, sink } = await run([usDate('1'), usDate('2'), good('3')]);
    const reason = '2 of 3 rows rejected (66.7%), more than publish.maxRejectedRatio 0.5';
    expect(manifest.heldBack).toBe(reason);
    expect(sink.published[0]!.holdBack).toBe(reason);
    expect(JSON.parse(sink.text('manifest.json')).heldBack).toBe(reason);
    expect(published?.pointer).toEqual({ status: 'held-back', reason });
    expect(sink.latest.size).toBe(0);
  });

  it('promotes a run within the ratio, and says so in the manifest', async () => {
    const { manifest, published } = await run([usDate('1'), good('2'), good('3')]);
    expect(manifest.heldBack).toBeNull();
    expect(published?.pointer).toEqual({ status: 'current' });
  });

  it('takes the ratio from the config document', async () => {
    expect((await run([usDate('1'), good('2'), good('3')], { maxRejectedRatio: 0.2 })).manifest.heldBack).toMatch(
      /more than publish\.maxRejectedRatio 0\.2$/,
    );
    expect((await run([usDate('1'), usDate('2'), good('3')], { maxRejectedRatio: 1 })).manifest.heldBack).toBeNull();
  });
});
