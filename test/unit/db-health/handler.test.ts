/**
 * The deployed db-health entry point, wired as in Lambda: middy, Powertools logger and metrics, SSM
 * and S3 through the real SDK clients (mocked at the SDK), and the real node-oracledb thin driver
 * pointed at a closed port on 127.0.0.1. A failed check is returned as the report (never thrown) and
 * counted in the metrics; a broken environment throws.
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HealthReport } from '../../../lambdas/db-health/report.js';
import { captureOutput, emfDocuments, lambdaContext, serveOracleParameters, unreachableDatabase } from '../../helpers/lambda-harness.js';

const PASSWORD = 'Qw8-db-health-Pa55word!';
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);
const ENV = {
  STAGE: 'test',
  RESULTS_BUCKET: 'mp-results',
  RESULTS_PREFIX: 'colors',
  SCHEDULE_TZ: 'America/New_York',
  RESULTS_KMS_KEY_ID: 'alias/mp-test',
};

let written: string[];
beforeEach(() => {
  vi.resetModules(); // a fresh container: the runtime (and its environment) is built on first use
  Object.assign(process.env, ENV);
  ssm.reset();
  s3.reset();
  clearCaches();
  written = captureOutput();
  serveOracleParameters(ssm, unreachableDatabase(PASSWORD));
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const key of Object.keys(ENV)) delete process.env[key];
});

describe('db-health handler', () => {
  it('returns the report when Oracle is unreachable, with HealthOk 0 and per-check latency metrics', async () => {
    const { handler } = await import('../../../lambdas/db-health/handler.js');
    const report = (await handler({}, lambdaContext('market-pulse-test-db-health', 60_000))) as HealthReport;
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['ssm-parameters', 'pass'],
      ['oracle-connect', 'fail'],
      ['oracle-table', 'skipped'],
      ['s3-heartbeat', 'pass'],
    ]);
    const connect = report.checks[1]!;
    expect(connect.code).toBe('NJS-503');
    expect(connect.detail).toContain('NJS-503: connection to host 127.0.0.1 port 1 could not be established');
    expect(connect.hint).toMatch(/^check the VPN \/ Direct Connect path, the host and port parameters in SSM/);

    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'mp-results', Key: 'colors/health/heartbeat-test.json', SSEKMSKeyId: 'alias/mp-test' });

    const metrics = emfDocuments(written);
    expect(metrics.some((m) => m.HealthOk === 0 && m.stage === 'test' && m.service === 'market-pulse')).toBe(true);
    const latency = metrics.filter((m) => 'HealthCheckLatencyMs' in m);
    expect(latency.map((m) => m.check).sort()).toEqual(['oracle-connect', 's3-heartbeat', 'ssm-parameters']);
    for (const m of latency) {
      expect(m.stage).toBe('test');
      const directive = (m._aws as { CloudWatchMetrics: { Dimensions: string[][]; Namespace: string }[] }).CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe('MarketPulse');
      expect(directive.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'stage', 'check']));
    }
    expect(metrics.find((m) => m.check === 'oracle-connect' && 'HealthCheckOk' in m)?.HealthCheckOk).toBe(0);
    expect(metrics.find((m) => m.check === 'ssm-parameters' && 'HealthCheckOk' in m)?.HealthCheckOk).toBe(1);

    const logs = written.join('');
    expect(logs).toContain('health check failed: oracle-connect failed: check the VPN');
    expect(`${logs}\n${JSON.stringify(report)}\n${String(put.Body)}`).not.toContain(PASSWORD);
  });

  it('emits HealthOk 1 when every check passes (SSM and S3 mocked, Oracle faked)', async () => {
    // No database runs here: the handler's driver factory is swapped for the scripted one at its import.
    vi.doMock('../../../lambdas/adapters/oracle/connection.js', async (importOriginal) => {
      const original = await importOriginal<typeof import('../../../lambdas/adapters/oracle/connection.js')>();
      const { scriptedDictionary, ScriptedOracle } = await import('../../helpers/scripted-oracle.js');
      const fake = scriptedDictionary(new ScriptedOracle('thin', PASSWORD)).on(/^SELECT 1 FROM "DESK"\."COLORS"/, [['1']]);
      return {
        ...original,
        NodeOracleConnectionFactory: class {
          mode = 'thin' as const;
          connect = fake.connect.bind(fake);
        },
      };
    });
    const { handler } = await import('../../../lambdas/db-health/handler.js');
    const report = (await handler({}, lambdaContext('market-pulse-test-db-health', 60_000))) as HealthReport;
    vi.doUnmock('../../../lambdas/adapters/oracle/connection.js');
    expect(report.ok).toBe(true);
    expect(emfDocuments(written).some((m) => m.HealthOk === 1 && m.stage === 'test')).toBe(true);
    expect(emfDocuments(written).filter((m) => 'HealthCheckLatencyMs' in m)).toHaveLength(4);
  });

  it('throws on a bad environment, before touching AWS', async () => {
    delete process.env.RESULTS_BUCKET;
    process.env.SCHEDULE_TZ = 'Mars/Olympus';
    const { handler } = await import('../../../lambdas/db-health/handler.js');
    await expect(handler({}, lambdaContext('market-pulse-test-db-health', 60_000))).rejects.toThrow(
      /invalid config Lambda environment \(2 problems\): RESULTS_BUCKET: .*; SCHEDULE_TZ: must be an IANA time zone/,
    );
    expect(ssm.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });
});
