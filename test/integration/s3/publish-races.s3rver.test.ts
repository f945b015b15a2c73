/**
 * The publish protocol on the wire where timing matters (docs/publishing.md): two publishers of one
 * as-of date, one of them with its latest.json write held up in the network; two deliveries of one
 * scheduled run at once; a stalled response; and the Lambda's deadline. s3rver sits behind the
 * proxy that gives it S3's conditional writes.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FileSource } from '../../../lambdas/adapters/file-source.js';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { PublishError } from '../../../lambdas/errors.js';
import { silentLog } from '../../../lambdas/log.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import type { OutputFile } from '../../../lambdas/pipeline/ports.js';
import { scheduledRunId } from '../../../lambdas/pipeline/run-id.js';
import { runColorsJob } from '../../../lambdas/run-colors/run-colors-job.js';
import { visibleState } from '../../helpers/publish-outcomes.js';
import { type FixedRequest, fixedRequest } from '../../helpers/publish-requests.js';
import type { ProxiedRequest } from '../../helpers/s3-fault-proxy.js';
import { BUCKET, usePublishHarness } from '../../helpers/s3-publish-harness.js';

vi.mock('../../../lambdas/adapters/s3/client.js', async (original) =>
  (await import('../../helpers/quick-retries.js')).withQuickRetries(await original()),
);

const harness = usePublishHarness();
const config = parseConfig(readFileSync('samples/config.json', 'utf8'), 'samples/config.json');

function file(name: string, text: string): OutputFile {
  const body = Buffer.from(text);
  return { name, contentType: 'text/plain', chunks: [body], bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

function request(asOf: string, runId: string): FixedRequest {
  const manifest = JSON.stringify({ runId, asOf, files: [{ name: 'colors.csv', sha256: file('colors.csv', `${runId}\n`).sha256 }] });
  return fixedRequest({ asOf, runId, files: [file('colors.csv', `${runId}\n`)], manifest: file('manifest.json', manifest) });
}

const sink = (prefix = 'races') =>
  new S3Sink({ client: harness.client(), bucket: BUCKET, prefix, pointerRetry: { attempts: 3, delayMs: 20 } });

const pointerPut = (runId: string) => (r: ProxiedRequest) =>
  r.method === 'PUT' && r.key.endsWith('latest.json') && r.body.includes(`"runId": "${runId}"`);

async function reached(predicate: (r: ProxiedRequest) => boolean): Promise<void> {
  for (let waited = 0; !harness.proxy.requests.some(predicate); waited += 5) {
    if (waited > 5_000) throw new Error('the publish never reached the awaited request');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function latestRunId(prefix: string, asOf: string): Promise<string | undefined> {
  const text = await harness.readLatest(prefix, asOf);
  return text === null ? undefined : (JSON.parse(text) as { runId: string }).runId;
}

describe('two publishers of one as-of date', () => {
  it("an older run's delayed latest.json write does not win over a newer run that published meanwhile", async () => {
    const asOf = '2026-03-01';
    await sink().publish(request(asOf, 'RUN0'));
    harness.proxy.reset();
    harness.proxy.inject({ when: pointerPut('RUN1'), fault: { delayMs: 400 } });

    const older = sink().publish(request(asOf, 'RUN1'));
    await reached(pointerPut('RUN1'));
    const newer = await sink().publish(request(asOf, 'RUN2'));
    expect(newer.pointer).toEqual({ status: 'current' });

    // RUN1's If-Match carries the ETag of RUN0's pointer: S3 refuses it (412), RUN1 reads again and steps aside.
    expect((await older).pointer).toEqual({ status: 'newer', runId: 'RUN2' });
    expect(await latestRunId('races', asOf)).toBe('RUN2');
    harness.proxy.reset();
  });

  it("a newer run's delayed write still lands over an older run that published meanwhile", async () => {
    const asOf = '2026-03-02';
    await sink().publish(request(asOf, 'RUN0'));
    harness.proxy.reset();
    harness.proxy.inject({ when: pointerPut('RUN2'), fault: { delayMs: 400 } });

    const newer = sink().publish(request(asOf, 'RUN2'));
    await reached(pointerPut('RUN2'));
    expect((await sink().publish(request(asOf, 'RUN1'))).pointer).toEqual({ status: 'current' });
    expect(await latestRunId('races', asOf)).toBe('RUN1');

    // RUN2's write is refused (RUN1 moved the pointer), RUN2 reads RUN1, which is older, and swaps again.
    expect((await newer).pointer).toEqual({ status: 'current' });
    expect(await latestRunId('races', asOf)).toBe('RUN2');
    harness.proxy.reset();
  });

  it('two deliveries of one scheduled run at once: one run, complete, both report it', async () => {
    const scheduledTime = '2026-03-03T18:00:00Z';
    const deps = () => ({
      loadConfig: async () => config,
      createSource: () => new FileSource(harness.input),
      sink: sink('lambda-races'),
      scheduleTimeZone: 'UTC',
      log: silentLog,
    });
    const [first, second] = await Promise.all([runColorsJob({ scheduledTime }, deps()), runColorsJob({ scheduledTime }, deps())]);
    const runId = scheduledRunId(new Date(scheduledTime));
    expect([first.runId, second.runId]).toEqual([runId, runId]);
    expect([first.pointer, second.pointer]).toEqual([{ status: 'current' }, { status: 'current' }]);
    expect(await visibleState(harness.view('lambda-races', '2026-03-03', runId), runId, null)).toBe('complete');
  });
});

describe('bounded time', () => {
  it('a stalled response is given up after the request timeout and retried: the run completes', async () => {
    harness.proxy.reset();
    harness.proxy.inject({ when: (r) => r.index === 1, fault: 'stall' });
    const started = Date.now();
    const published = await sink('stalls').publish(request('2026-03-04', 'RUN1'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(published.pointer).toEqual({ status: 'current' });
    // The stalled PUT was stored; its retry met If-None-Match, found the same bytes and went on.
    expect(harness.proxy.requests.filter((r) => r.method === 'PUT' && r.key.endsWith('colors.csv'))).toHaveLength(2);
    harness.proxy.reset();
  });

  it('an endpoint that stops answering ends the publish with a clear error, and a retry finishes the run', async () => {
    const asOf = '2026-03-05';
    harness.proxy.reset();
    harness.proxy.inject({ when: (r) => r.key.endsWith('manifest.json') || r.key.endsWith('latest.json'), fault: 'stall' });
    const started = Date.now();
    const error = (await sink('stalls')
      .publish(request(asOf, 'RUN1'))
      .catch((caught: unknown) => caught)) as PublishError;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('unknown');
    expect(error.message).toContain('the endpoint sent nothing for 500 ms (the request timeout, S3_REQUEST_TIMEOUT_MS, after 3 attempts)');
    expect(await visibleState(harness.view('stalls', asOf, 'RUN1'), 'RUN1', null)).toBe('stored');

    harness.proxy.reset();
    expect(
      (await sink('stalls').movePointer({ asOf, runId: 'RUN1', manifestSha256: request(asOf, 'RUN1').manifestFile.sha256 })).pointer,
    ).toEqual({ status: 'current' });
    expect(await visibleState(harness.view('stalls', asOf, 'RUN1'), 'RUN1', null)).toBe('complete');
  });

  it("the Lambda's publish stops before its remaining time runs out, whatever the request timeout", async () => {
    const { createS3Client } = await import('../../../lambdas/adapters/s3/client.js');
    const patient = createS3Client(
      {
        endpoint: harness.proxy.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        requestChecksumCalculation: 'WHEN_REQUIRED',
      },
      { connectTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
    );
    harness.proxy.reset();
    harness.proxy.inject({ when: () => true, fault: 'stall' });
    const deadline = Date.now() + 4_500; // 1.5 s of work once the sink keeps its 3 s reserve
    const deadlineSink = new S3Sink({ client: patient, bucket: BUCKET, prefix: 'deadline', remainingTimeMs: () => deadline - Date.now() });
    const error = (await deadlineSink.publish(request('2026-03-06', 'RUN1')).catch((caught: unknown) => caught)) as PublishError;
    const left = deadline - Date.now();
    expect(left).toBeGreaterThan(2_000);
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('nothing');
    expect(error.message).toMatch(
      /^run RUN1 was not published: writing .*colors\.csv failed: stopped: the time left for this run ran out\. Nothing of the run is visible/,
    );
    patient.destroy();
    harness.proxy.reset();
  });
});
