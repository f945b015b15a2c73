/**
 * The deployed entry point, wired as in Lambda: middy, Powertools logger and metrics, SSM and S3
 * through the real SDK clients (mocked at the SDK), and the real node-oracledb thin driver pointed
 * at a closed port on 127.0.0.1. No database runs here, so this checks the failure path end to end:
 * the run fails with a clear, classified error after bounded retries, and nothing leaks.
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, emfDocuments, lambdaContext, serveOracleParameters, unreachableDatabase } from '../../helpers/lambda-harness.js';

const PASSWORD = 'Zq9-handler-Pa55word!';
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);

let written: string[];
beforeAll(() => {
  Object.assign(process.env, { STAGE: 'test', RESULTS_BUCKET: 'mp-results', RESULTS_PREFIX: 'colors', SCHEDULE_TZ: 'America/New_York' });
});
beforeEach(() => {
  ssm.reset();
  s3.reset();
  clearCaches();
  written = captureOutput();
  serveOracleParameters(ssm, unreachableDatabase(PASSWORD));
  // No file uploaded to the day: the run reads the database alone.
  s3.on(ListObjectVersionsCommand).resolves({});
  s3.on(GetObjectCommand).rejects(
    Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
  );
});
afterEach(() => vi.restoreAllMocks());

describe('run-colors handler', () => {
  it('rejects a bad event with a validation error before touching AWS', async () => {
    const { handler } = await import('../../../lambdas/run-colors/handler.js');
    await expect(handler({ asOf: 'tomorrow' }, lambdaContext('market-pulse-test-run-colors', 30_000))).rejects.toThrow(
      /invalid run-colors event: asOf: must be a date/,
    );
    expect(ssm.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('fails a scheduled run cleanly when the database cannot be reached, within the time left', async () => {
    const { handler } = await import('../../../lambdas/run-colors/handler.js');
    const started = Date.now();
    // 10 s is the retry safety margin: 13 s leaves about 3 s for attempts.
    const error = (await handler({ scheduledTime: '2026-11-21T03:30:00Z' }, lambdaContext('market-pulse-test-run-colors', 13_000)).then(
      () => {
        throw new Error('expected the run to fail');
      },
      (e: unknown) => e,
    )) as Error & { code?: string };
    expect(Date.now() - started).toBeLessThan(13_000);
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    expect(error.message).toContain('NJS-503: connection to host 127.0.0.1 port 1 could not be established');
    expect(error.message).toContain('the circuit breaker is now open');

    // It looked for an already published run of this schedule, read SSM once, and published nothing.
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input.Key).toMatch(
      /^colors\/runs\/as-of=2026-11-20\/run-id=[0-9A-Z]{26}\/manifest\.json$/,
    );
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);

    const logs = written.join('');
    expect(logs).toContain('"message":"run failed"');
    expect(logs).toContain('"function_request_id":"c6af9ac6-7b61-11e6-9a41-93e812345678"');
    const failed = written
      .map((line) => line.trim())
      .filter((line) => line.includes('"message":"run failed"'))
      .map((line) => JSON.parse(line));
    expect(failed[0]).toMatchObject({ asOf: '2026-11-20', trigger: 'scheduled', runId: expect.stringMatching(/^[0-9A-Z]{26}$/) });
    expect(emfDocuments(written).some((m) => m.RunsFailed === 1 && m.stage === 'test')).toBe(true);
    expect(`${logs}\n${error.message}\n${error.stack}`).not.toContain(PASSWORD);
  });
});
