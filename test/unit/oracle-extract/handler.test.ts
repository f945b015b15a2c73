/**
 * The deployed oracle-extract entry point, wired as in Lambda (middy, Powertools, real SDK clients
 * mocked at the SDK). A bad event or environment is rejected before AWS or Oracle is touched; with
 * the real thin driver against a closed port the extract fails cleanly within the time left, writing
 * nothing; with a scripted database it writes the files under <prefix>/extracts/.
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExtractResult } from '../../../lambdas/oracle-extract/extract.js';
import { captureOutput, emfDocuments, lambdaContext, serveOracleParameters, unreachableDatabase } from '../../helpers/lambda-harness.js';

const PASSWORD = 'Rt5-extract-handler-Pa55word!';
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);
const ENV = { STAGE: 'test', RESULTS_BUCKET: 'mp-results', RESULTS_PREFIX: 'colors', SCHEDULE_TZ: 'America/New_York' };

let written: string[];
beforeEach(() => {
  vi.resetModules();
  Object.assign(process.env, ENV);
  ssm.reset();
  s3.reset();
  clearCaches();
  written = captureOutput();
  serveOracleParameters(ssm, { ...unreachableDatabase(PASSWORD), username: 'MARKET_RO', schema: 'MARKET' });
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.doUnmock('../../../lambdas/adapters/oracle/connection.js');
  for (const key of Object.keys(ENV)) delete process.env[key];
});

describe('oracle-extract handler', () => {
  it('rejects a malicious table name or a bad row count before touching AWS or Oracle', async () => {
    const { handler } = await import('../../../lambdas/oracle-extract/handler.js');
    await expect(
      handler({ table: 'COLORS; DROP TABLE COLORS' }, lambdaContext('market-pulse-test-oracle-extract', 30_000)),
    ).rejects.toThrow(/invalid oracle-extract event: table must be TABLE or OWNER\.TABLE/);
    await expect(handler({ rows: 20_000 }, lambdaContext('market-pulse-test-oracle-extract', 30_000))).rejects.toThrow(
      /rows: must be between 1 and 10000/,
    );
    expect(ssm.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('rejects a bad environment', async () => {
    delete process.env.STAGE;
    const { handler } = await import('../../../lambdas/oracle-extract/handler.js');
    await expect(handler({}, lambdaContext('market-pulse-test-oracle-extract', 30_000))).rejects.toThrow(
      /invalid config Lambda environment: STAGE: /,
    );
    expect(ssm.calls()).toHaveLength(0);
  });

  it('fails within the time left when the database cannot be reached, writing nothing and leaking nothing', async () => {
    const { handler } = await import('../../../lambdas/oracle-extract/handler.js');
    const started = Date.now();
    // The retry keeps a 10 s safety margin: 13 s leaves about 3 s for attempts.
    const error = (await handler({}, lambdaContext('market-pulse-test-oracle-extract', 13_000)).catch((e: unknown) => e)) as Error & {
      code?: string;
    };
    expect(Date.now() - started).toBeLessThan(13_000);
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    expect(error.message).toMatch(/^connecting to 127\.0\.0\.1:1\/FREEPDB1 as MARKET_RO \(\d+ attempt\(s\) in .*\) failed: NJS-503/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(emfDocuments(written).some((m) => m.ExtractsFailed === 1 && m.stage === 'test')).toBe(true);
    expect(`${written.join('')}\n${error.message}\n${error.stack}`).not.toContain(PASSWORD);
  });

  it('writes the extract under <prefix>/extracts/<timestamp>/ and returns where', async () => {
    vi.doMock('../../../lambdas/adapters/oracle/connection.js', async (importOriginal) => {
      const original = await importOriginal<typeof import('../../../lambdas/adapters/oracle/connection.js')>();
      const { scriptedDictionary, ScriptedOracle } = await import('../../helpers/scripted-oracle.js');
      const fake = scriptedDictionary(new ScriptedOracle('thin', PASSWORD));
      return {
        ...original,
        NodeOracleConnectionFactory: class {
          mode = 'thin' as const;
          connect = fake.connect.bind(fake);
        },
      };
    });
    const { handler } = await import('../../../lambdas/oracle-extract/handler.js');
    const result = (await handler({ rows: 1 }, lambdaContext('market-pulse-test-oracle-extract', 60_000))) as ExtractResult;
    expect(result.location).toMatch(/^s3:\/\/mp-results\/colors\/extracts\/\d{4}-\d{2}-\d{2}T\d{6}Z\/$/);
    expect(result).toMatchObject({ table: 'MARKET.COLORS', rows: 1 });
    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys.map((key) => key!.split('/').at(-1))).toEqual([
      'database_info.json',
      'accessible_tables.json',
      'COLORS_schema.json',
      'COLORS_sample.csv',
      'COLORS_sample.json',
    ]);
    expect(s3.commandCalls(PutObjectCommand).every((call) => call.args[0].input.IfNoneMatch === '*')).toBe(true);
    expect(emfDocuments(written).some((m) => m.ExtractRows === 1 && m.stage === 'test')).toBe(true);
  });
});
