/**
 * The report against S3 on the wire (s3rver behind the fault proxy): run-colors's job publishes
 * report.html, changes.json and parents.jsonl create-only like every data file, the next run of the
 * date finds the one before through S3PublishedRuns and compares with it, and a run whose reads of
 * the earlier run fail still publishes, with a report that says the comparison could not be made.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../../lambdas/adapters/file-source.js';
import { S3PublishedRuns } from '../../../lambdas/adapters/s3/published-runs.js';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { type Log, silentLog } from '../../../lambdas/log.js';
import type { RunChanges } from '../../../lambdas/pipeline/report/changes-json.js';
import { bundledConfig } from '../../../lambdas/run-colors/bundled-config.js';
import { runColorsJob } from '../../../lambdas/run-colors/run-colors-job.js';
import { BUCKET, usePublishHarness } from '../../helpers/s3-publish-harness.js';

const harness = usePublishHarness();
const PREFIX = 'report';
const AS_OF = '2026-11-20';

async function run(warnings: string[] = []): Promise<string> {
  const client = harness.client();
  const log: Log = { ...silentLog, warn: (message) => warnings.push(message) };
  const result = await runColorsJob(
    { asOf: AS_OF },
    {
      loadConfig: async () => bundledConfig(),
      createSource: () => new FileSource(harness.input),
      sink: new S3Sink({ client, bucket: BUCKET, prefix: PREFIX, log }),
      publishedRuns: new S3PublishedRuns({ client, bucket: BUCKET, prefix: PREFIX }),
      scheduleTimeZone: 'UTC',
      log,
    },
  );
  expect(result.pointer).toEqual({ status: 'current' });
  return result.runId;
}

async function changesOf(runId: string): Promise<RunChanges> {
  return JSON.parse((await harness.view(PREFIX, AS_OF, runId).file('changes.json'))!.toString('utf8')) as RunChanges;
}

describe('report.html and changes.json on S3', () => {
  it('are published create-only with the run, listed with their SHA-256, and the next run compares with the one before', async () => {
    harness.proxy.reset();
    const first = await run();
    const second = await run();
    const view = harness.view(PREFIX, AS_OF, second);
    const manifest = JSON.parse((await view.manifest())!) as { files: { name: string; sha256: string }[] };
    for (const name of ['parents.jsonl', 'changes.json', 'report.html']) {
      const entry = manifest.files.find((file) => file.name === name);
      expect(entry, name).toBeDefined();
      expect(
        createHash('sha256')
          .update((await view.file(name))!)
          .digest('hex'),
      ).toBe(entry!.sha256);
    }
    const puts = harness.proxy.requests
      .filter((request) => request.method === 'PUT' && request.key.includes(second))
      .map((request) => request.key.split('/').at(-1));
    expect(puts).toEqual(['colors.csv', 'excluded.csv', 'rejected.csv', 'parents.jsonl', 'changes.json', 'report.html', 'manifest.json']);
    const [sameDate] = (await changesOf(second)).comparisons;
    expect(sameDate).toMatchObject({
      status: 'compared',
      against: { asOf: AS_OF, runId: first },
      parents: { changed: [], newCusips: [], goneCusips: [] },
    });
    expect(sameDate!.parents!.unchanged).toBeGreaterThan(0);
  }, 60_000);

  it('publishes the run when the earlier run cannot be read, and its report says so', async () => {
    const before = await run();
    harness.proxy.reset();
    harness.proxy.inject({ when: (request) => request.method === 'GET' && request.key.includes(`run-id=${before}/`), fault: '500' });
    const warnings: string[] = [];
    const runId = await run(warnings);
    harness.proxy.reset();
    const [sameDate] = (await changesOf(runId)).comparisons;
    expect(sameDate).toMatchObject({
      status: 'unreadable',
      against: null,
      note: expect.stringMatching(/^the previous run of the same date could not be read: reading s3:\/\/.*manifest\.json failed/),
    });
    expect(warnings.some((warning) => warning.startsWith('report: the previous run of the same date could not be read'))).toBe(true);
    const html = (await harness.view(PREFIX, AS_OF, runId).file('report.html'))!.toString('utf8');
    expect(html).toContain('No comparison: the previous run of the same date could not be read');
  }, 60_000);
});
