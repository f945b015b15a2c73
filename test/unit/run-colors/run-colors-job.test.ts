import { describe, expect, it, vi } from 'vitest';
import { ConfigError, PublishError, RunAlreadyPublishedError, RunHeldBackError, UsageError } from '../../../lambdas/errors.js';
import type { Log } from '../../../lambdas/log.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { parseConfig, type RunConfig } from '../../../lambdas/pipeline/config.js';
import type { RunWindowBounds } from '../../../lambdas/pipeline/run-window.js';
import { type RunColorsDeps, runColorsJob } from '../../../lambdas/run-colors/run-colors-job.js';
import { MemorySink, MemorySource, recordOf } from '../../helpers/memory-ports.js';

const CONFIG = JSON.stringify({ version: 'job-test', rules: [{ name: 'no-price', when: { column: 'PX', op: 'isEmpty' } }] });
const rows = [
  recordOf({ MESSAGE_ID: '9223372036854775807', CUSIP: 'AAA', DATE: '2026-11-20T10:00:00', PX: '99.5', RANK: '1' }),
  recordOf({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20T11:00:00', PX: '', RANK: '1' }),
  recordOf({ MESSAGE_ID: '3', CUSIP: 'BBB', DATE: 'not a date', PX: '1' }),
];

const recordingLog = (): Log & { lines: string[] } => {
  const lines: string[] = [];
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
};

function deps(overrides: Partial<RunColorsDeps> = {}, records = rows) {
  const sink = new MemorySink();
  const windows: RunWindowBounds[] = [];
  const createSource = vi.fn((_config: RunConfig, window: RunWindowBounds) => {
    windows.push(window);
    return new MemorySource([...COLUMNS], records);
  });
  const loadConfig = vi.fn(async () => parseConfig(CONFIG, 's3://cfg/config.json'));
  const log = recordingLog();
  const all: RunColorsDeps = {
    loadConfig,
    createSource,
    sink,
    scheduleTimeZone: 'America/New_York',
    now: () => new Date('2026-11-21T15:00:00Z'),
    log,
    ...overrides,
  };
  return { deps: all, sink, windows, createSource, loadConfig, log };
}

describe('runColorsJob', () => {
  it('runs a scheduled delivery for the scheduled day in the schedule time zone', async () => {
    const { deps: d, sink, windows } = deps();
    // 03:30 UTC on the 21st is still the evening of the 20th in New York.
    const result = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d);
    expect(result).toMatchObject({
      status: 'published',
      asOf: '2026-11-20',
      trigger: 'scheduled',
      location: expect.stringContaining(result.runId),
    });
    expect(result.counts).toMatchObject({ read: 3, ranked: 1, excluded: 1, rejected: 1 });
    expect(windows[0]).toMatchObject({ startLocal: '2026-11-20T00:00:00', endLocal: '2026-11-21T00:00:00', timeZone: 'America/New_York' });
    expect(sink.published).toHaveLength(1);
    const manifest = JSON.parse(sink.text('manifest.json'));
    expect(manifest.window).toMatchObject({ start: '2026-11-20T05:00:00.000Z', end: '2026-11-21T05:00:00.000Z' });
    expect(manifest.config).toMatchObject({ source: 's3://cfg/config.json', version: 'job-test' });
  });

  it('returns the published run for a duplicate delivery without reading config or the database', async () => {
    const { deps: d, sink, createSource, loadConfig } = deps();
    const first = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d);
    const again = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d);
    expect(again).toMatchObject({
      status: 'already-published',
      runId: first.runId,
      asOf: '2026-11-20',
      counts: first.counts,
      pointer: { status: 'current' },
    });
    expect(createSource).toHaveBeenCalledTimes(1);
    expect(loadConfig).toHaveBeenCalledTimes(1);
    expect(sink.published).toHaveLength(1);
  });

  it('treats losing a publish race to the same scheduled run as success', async () => {
    const { deps: d, sink } = deps();
    const first = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d);
    // The other delivery's manifest becomes visible only after this one started running.
    const hidden = vi.spyOn(sink, 'readManifest').mockResolvedValueOnce(null);
    vi.spyOn(sink, 'publish').mockRejectedValueOnce(new RunAlreadyPublishedError('412'));
    const again = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d);
    expect(hidden).toHaveBeenCalledTimes(2);
    expect(again).toMatchObject({ status: 'already-published', runId: first.runId, pointer: { status: 'current' } });
  });

  it('a redelivery finishes a stored run whose latest.json move failed, before returning it', async () => {
    const { deps: d, sink, createSource } = deps();
    const move = vi
      .spyOn(sink, 'movePointer')
      .mockRejectedValueOnce(new PublishError('run … is complete at …, but latest.json was not moved to it', { visible: 'stored' }));
    await expect(runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d)).rejects.toThrow(/was not moved to it/);
    expect(sink.latest.get('2026-11-20')).toBeUndefined();

    const again = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d);
    expect(again).toMatchObject({ status: 'already-published', pointer: { status: 'current' } });
    expect(move).toHaveBeenLastCalledWith({ asOf: '2026-11-20', runId: again.runId, manifestSha256: sink.published[0]!.manifest.sha256 });
    expect(sink.latest.get('2026-11-20')?.runId).toBe(again.runId);
    expect(createSource).toHaveBeenCalledTimes(1);
  });

  it('reports a held-back run as a failure; its redelivery fails the same way without running again or moving latest.json', async () => {
    const allRejected = [
      recordOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '3/13/2026', PX: '1' }),
      recordOf({ MESSAGE_ID: '2', CUSIP: 'BBB', DATE: '3/13/2026' }),
    ];
    const { deps: d, sink, createSource } = deps({}, allRejected);
    const first = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d).then(
      () => expect.unreachable('expected a held-back failure'),
      (error: unknown) => error as RunHeldBackError,
    );
    expect(first).toBeInstanceOf(RunHeldBackError);
    expect(first).toMatchObject({ code: 'RUN_HELD_BACK', repeat: false });
    expect(first.message).toMatch(
      /^run [0-9A-Z]{26} for as-of 2026-11-20 is held back: no ranked rows \(2 read: 0 excluded, 2 rejected\)\. Its files are at memory:/,
    );
    expect(sink.published).toHaveLength(1);

    const again = await runColorsJob({ scheduledTime: '2026-11-21T03:30:00Z' }, d).then(
      () => expect.unreachable('expected a held-back failure'),
      (error: unknown) => error as RunHeldBackError,
    );
    expect(again).toBeInstanceOf(RunHeldBackError);
    expect(again).toMatchObject({ repeat: true });
    expect(again.message).toContain('This is a retry of the same scheduled run: it is not run again and latest.json is not moved to it');
    expect(createSource).toHaveBeenCalledTimes(1);
    expect(sink.published).toHaveLength(1);
    expect(sink.latest.size).toBe(0);
  });

  it('gives manual runs a fresh id each time and today as the default as-of date', async () => {
    const { deps: d, sink } = deps();
    const a = await runColorsJob({}, d);
    const b = await runColorsJob({ asOf: '2026-11-19' }, d);
    expect(a.asOf).toBe('2026-11-21');
    expect(b.asOf).toBe('2026-11-19');
    expect(a.runId).not.toBe(b.runId);
    expect(sink.published.map((p) => p.asOf)).toEqual(['2026-11-21', '2026-11-19']);
  });

  it('publishes nothing on a dry run but reports the counts', async () => {
    const { deps: d, sink } = deps();
    const result = await runColorsJob({ asOf: '2026-11-20', dryRun: true }, d);
    expect(result).toMatchObject({ status: 'dry-run', location: null, counts: { read: 3 } });
    expect(sink.published).toHaveLength(0);
  });

  it('rejects a bad event before doing anything', async () => {
    const { deps: d, loadConfig, createSource } = deps();
    await expect(runColorsJob({ asOf: '20-11-2026' }, d)).rejects.toThrow(UsageError);
    await expect(runColorsJob({ asof: '2026-11-20' }, d)).rejects.toThrow(/invalid run-colors event: .*asof/);
    await expect(runColorsJob({ scheduledTime: 'yesterday' }, d)).rejects.toThrow(/scheduledTime: must be an ISO-8601 date-time/);
    await expect(runColorsJob({ dryRun: 'yes' }, d)).rejects.toThrow(/dryRun: must be true or false/);
    expect(loadConfig).not.toHaveBeenCalled();
    expect(createSource).not.toHaveBeenCalled();
  });

  it('stops on a broken config document before the database is queried', async () => {
    const {
      deps: d,
      createSource,
      sink,
    } = deps({ loadConfig: async () => parseConfig('{"rules":[{"name":"x"}]}', 's3://cfg/config.json') });
    await expect(runColorsJob({ asOf: '2026-11-20' }, d)).rejects.toThrow(ConfigError);
    expect(createSource).not.toHaveBeenCalled();
    expect(sink.published).toHaveLength(0);
  });
});
