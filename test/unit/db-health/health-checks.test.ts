/**
 * The health checks against a scripted Oracle and SSM/S3 mocked at the SDK: every check's pass and
 * failure with the cause and fix it reports, skipping of dependent checks, time bounds, and no secret
 * in any report.
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AccessDeniedException, GetParametersCommand, type GetParametersCommandInput, InvalidKeyId, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmSettings } from '../../../lambdas/adapters/ssm-settings.js';
import { type HealthDeps, runHealthChecks } from '../../../lambdas/db-health/health-checks.js';
import { S3Heartbeat } from '../../../lambdas/db-health/heartbeat.js';
import type { HealthReport } from '../../../lambdas/db-health/report.js';
import { driverError } from '../../helpers/fake-oracle.js';
import { noTable, ScriptedOracle, scriptedDictionary } from '../../helpers/scripted-oracle.js';

const PASSWORD = 'Hx7-health-Pa55word!';
const P = '/market-pulse/dev/oracle/';
const ssm = mockClient(SSMClient);
const s3 = mockClient(S3Client);
let store: Record<string, string>;
let db: ScriptedOracle;

beforeEach(() => {
  ssm.reset();
  s3.reset();
  clearCaches();
  store = {
    [`${P}host`]: 'db.example.internal',
    [`${P}port`]: '1521',
    [`${P}service-name`]: 'COLORSPDB',
    [`${P}username`]: 'MARKET_RO',
    [`${P}password`]: PASSWORD,
    [`${P}schema`]: 'market',
    [`${P}table`]: 'colors',
  };
  ssm.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => {
    const names = input.Names ?? [];
    return {
      Parameters: names.filter((n) => n in store).map((n) => ({ Name: n, Value: store[n], Type: 'String' })),
      InvalidParameters: names.filter((n) => !(n in store)),
    };
  });
  s3.on(PutObjectCommand).resolves({});
  db = scriptedDictionary(new ScriptedOracle('thin', PASSWORD));
});

function deps(overrides: Partial<HealthDeps> = {}): HealthDeps {
  return {
    stage: 'dev',
    settings: new SsmSettings({ stage: 'dev', ttlSeconds: 300 }),
    factory: db,
    heartbeat: new S3Heartbeat(
      {
        client: new S3Client({ region: 'eu-central-1' }),
        bucket: 'mp-results',
        prefix: 'colors',
        kmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/abc',
      },
      'dev',
    ),
    now: () => new Date('2026-11-20T23:00:00.000Z'),
    ...overrides,
  };
}

function byName(report: HealthReport) {
  return Object.fromEntries(report.checks.map((check) => [check.name, check]));
}

function expectNoSecret(report: HealthReport): void {
  expect(JSON.stringify(report)).not.toContain(PASSWORD);
}

describe('a healthy stage', () => {
  it('passes every check, with latency, the server version and a heartbeat', async () => {
    const report = await runHealthChecks(deps());
    expect(report).toMatchObject({ ok: true, stage: 'dev', checkedAt: '2026-11-20T23:00:00.000Z' });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['ssm-parameters', 'pass'],
      ['oracle-connect', 'pass'],
      ['oracle-table', 'pass'],
      ['s3-heartbeat', 'pass'],
    ]);
    for (const check of report.checks) {
      expect(check.ok).toBe(true);
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
      expect(check.hint).toBeUndefined();
    }
    const checks = byName(report);
    expect(checks['ssm-parameters']!.detail).toBe(
      `read and decrypted the Oracle parameters under ${P} (db.example.internal:1521/COLORSPDB, user MARKET_RO, table MARKET.COLORS)`,
    );
    expect(checks['oracle-connect']!.detail).toBe(
      'connected to db.example.internal:1521/COLORSPDB as MARKET_RO (thin mode); SELECT 1 FROM dual answered; server: Oracle Database 19c Enterprise Edition 19.0.0.0.0',
    );
    expect(checks['oracle-table']!.detail).toBe('SELECT on MARKET.COLORS works (read one row)');
    expect(db.queries.map((q) => q.sql)).toContain('SELECT 1 FROM "MARKET"."COLORS" WHERE ROWNUM <= 1');
    expect(report.summary).toBe('all checks passed (4 passed, 0 skipped)');
    expect(db.connections).toHaveLength(1);
    expect(db.connections[0]!.closed).toBe(true);
    expectNoSecret(report);
  });

  it('writes the heartbeat under <prefix>/health/, overwritable, KMS-encrypted, naming the earlier checks', async () => {
    await runHealthChecks(deps());
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'mp-results',
      Key: 'colors/health/heartbeat-dev.json',
      ContentType: 'application/json',
      ServerSideEncryption: 'aws:kms',
    });
    expect(input.IfNoneMatch).toBeUndefined();
    const body = JSON.parse(String(input.Body));
    expect(body).toMatchObject({ stage: 'dev', checkedAt: '2026-11-20T23:00:00.000Z', writtenBy: 'lambda' });
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual(['ssm-parameters', 'oracle-connect', 'oracle-table']);
    expect(String(input.Body)).not.toContain(PASSWORD);
  });

  it('reads SSM afresh on every check instead of trusting a cached copy', async () => {
    const settings = new SsmSettings({ stage: 'dev', ttlSeconds: 300 });
    await runHealthChecks(deps({ settings }));
    await runHealthChecks(deps({ settings }));
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  });

  it('reports an empty table as readable, and the version from V$VERSION or not at all', async () => {
    db.on(/WHERE ROWNUM <= 1$/, [])
      .on(/product_component_version/, noTable)
      .on(/v\$version/, [['Oracle Database 11g Release 11.2.0.4.0 - 64bit Production']]);
    let checks = byName(await runHealthChecks(deps()));
    expect(checks['oracle-table']!.detail).toBe('SELECT on MARKET.COLORS works (the table is empty)');
    expect(checks['oracle-connect']!.detail).toMatch(/server: Oracle Database 11g Release 11\.2\.0\.4\.0 - 64bit Production$/);

    db.on(/v\$version/, noTable);
    checks = byName(await runHealthChecks(deps()));
    expect(checks['oracle-connect']!.status).toBe('pass');
    expect(checks['oracle-connect']!.detail).toMatch(
      /server: version not readable \(PRODUCT_COMPONENT_VERSION: ORA-00942, V\$VERSION: ORA-00942\)$/,
    );
  });

  it('skips the heartbeat when no bucket is given, and is still ok', async () => {
    const report = await runHealthChecks(deps({ heartbeat: undefined }));
    expect(report.ok).toBe(true);
    expect(byName(report)['s3-heartbeat']).toMatchObject({
      status: 'skipped',
      ok: false,
      latencyMs: 0,
      detail: expect.stringMatching(/^skipped: not requested/),
    });
    expect(report.summary).toBe('all checks passed (3 passed, 1 skipped)');
  });
});

describe('SSM failures', () => {
  it('a missing parameter: the SettingsError text, the fix, and the Oracle checks skipped', async () => {
    delete store[`${P}password`];
    const report = await runHealthChecks(deps());
    expect(report.ok).toBe(false);
    const checks = byName(report);
    expect(checks['ssm-parameters']).toMatchObject({ status: 'fail', ok: false });
    expect(checks['ssm-parameters']!.detail).toMatch(
      /^1 SSM parameter\(s\) missing for stage dev: \/market-pulse\/dev\/oracle\/password\. Deploy the stage's stack/,
    );
    expect(checks['ssm-parameters']!.hint).toMatch(/^SSM parameter not found: deploy the stage's stack/);
    expect(checks['oracle-connect']).toMatchObject({
      status: 'skipped',
      latencyMs: 0,
      detail: 'skipped: needs ssm-parameters, which did not pass',
    });
    expect(checks['oracle-table']).toMatchObject({ status: 'skipped', detail: 'skipped: needs oracle-connect, which did not pass' });
    expect(checks['s3-heartbeat']!.status).toBe('pass');
    expect(report.summary).toMatch(/^ssm-parameters failed: SSM parameter not found/);
    expect(db.connects).toHaveLength(0);
  });

  it('a placeholder value says to set the real one', async () => {
    store[`${P}host`] = 'CHANGE_ME';
    const check = byName(await runHealthChecks(deps()))['ssm-parameters']!;
    expect(check.detail).toContain(`${P}host still holds the placeholder CHANGE_ME`);
    expect(check.hint).toMatch(/^the stage is not configured yet/);
  });

  it('access denied names the permission', async () => {
    const message = 'User: arn:aws:sts::111111111111:assumed-role/mp-health/x is not authorized to perform: ssm:GetParameters';
    ssm.on(GetParametersCommand).rejects(new AccessDeniedException({ message, Message: message, $metadata: {} }));
    const check = byName(await runHealthChecks(deps()))['ssm-parameters']!;
    expect(check.detail).toMatch(/^access denied reading/);
    expect(check.hint).toBe(`permission denied: the function's role (or your CLI credentials) needs ssm:GetParameters on ${P}*`);
  });

  it('a key it cannot decrypt with names KMS', async () => {
    ssm
      .on(GetParametersCommand)
      .rejects(new InvalidKeyId({ message: 'The ciphertext refers to a customer master key that does not exist', $metadata: {} }));
    const check = byName(await runHealthChecks(deps()))['ssm-parameters']!;
    expect(check.detail).toMatch(/^decrypting SSM SecureString parameters failed/);
    expect(check.hint).toMatch(/^permission denied decrypting the SecureString parameters: the role needs kms:Decrypt/);
  });
});

describe('Oracle failures', () => {
  it('an unreachable host: VPN / host / port, and the table check skipped', async () => {
    db.down = () =>
      driverError(
        'NJS-503',
        'connection to host db.example.internal port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED',
      );
    const report = await runHealthChecks(deps());
    const checks = byName(report);
    expect(checks['oracle-connect']).toMatchObject({ status: 'fail', code: 'NJS-503' });
    expect(checks['oracle-connect']!.detail).toMatch(
      /^connecting to db\.example\.internal:1521\/COLORSPDB as MARKET_RO failed: NJS-503: connection to host/,
    );
    expect(checks['oracle-connect']!.hint).toMatch(/^check the VPN \/ Direct Connect path, the host and port parameters in SSM/);
    expect(checks['oracle-connect']!.detail).not.toContain(checks['oracle-connect']!.hint!);
    expect(checks['oracle-table']!.status).toBe('skipped');
    expect(report.summary).toMatch(/^oracle-connect failed: check the VPN/);
    expect(db.connects).toHaveLength(1); // one attempt: the check reports, it does not retry
  });

  it('ORA-01017: re-reads SSM once, then reports the credentials, redacting the password', async () => {
    const refusal = () => driverError('ORA-01017', `invalid credential or not authorized; logon denied (tried ${PASSWORD})`);
    db.connectFailures = [refusal, refusal];
    const report = await runHealthChecks(deps());
    const check = byName(report)['oracle-connect']!;
    expect(check).toMatchObject({ status: 'fail', code: 'ORA-01017' });
    expect(check.hint).toMatch(/^verify the username and password parameters in SSM/);
    expect(check.detail).toContain('[redacted]');
    expect(db.connects).toHaveLength(2);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
    expectNoSecret(report);
  });

  it('a password rotated in SSM since the last read is picked up by the re-read', async () => {
    db.connectFailures = [() => driverError('ORA-01017', 'invalid credential or not authorized; logon denied')];
    const report = await runHealthChecks(deps());
    expect(byName(report)['oracle-connect']!.status).toBe('pass');
  });

  it('ORA-00942 on the table: check the schema and table parameters', async () => {
    db.on(/^SELECT 1 FROM "MARKET"\."COLORS"/, noTable);
    const report = await runHealthChecks(deps());
    const check = byName(report)['oracle-table']!;
    expect(check).toMatchObject({ status: 'fail', code: 'ORA-00942' });
    expect(check.detail).toBe('reading one row of MARKET.COLORS failed: ORA-00942: table or view does not exist');
    expect(check.hint).toMatch(/^check the schema and table parameters in SSM and that the user has SELECT on the table/);
    expect(byName(report)['oracle-connect']!.status).toBe('pass');
    expect(db.connections[0]!.closed).toBe(true);
  });

  it('bounds the table read by its own budget, and explains a read that never returns', async () => {
    db.on(/^SELECT 1 FROM "MARKET"\."COLORS"/, (_binds) => new Promise<never>(() => {}));
    const report = await runHealthChecks(deps({ timeoutsMs: { 'oracle-table': 400 } }));
    const check = byName(report)['oracle-table']!;
    expect(check).toMatchObject({ status: 'fail', detail: 'no answer within 400 ms' });
    expect(check.hint).toMatch(/^the database connected but did not return one row in time/);
    expect(db.queries.find((q) => q.sql.startsWith('SELECT 1 FROM "MARKET"'))!.callTimeout).toBeLessThanOrEqual(400);
    expect(db.queries.find((q) => q.sql === 'SELECT 1 FROM dual')!.callTimeout).toBeGreaterThan(400);
    expect(db.connections[0]!.closed).toBe(true);
  });

  it('thick mode without Instant Client (DPI-1047): the client library is missing', async () => {
    const thick = scriptedDictionary(new ScriptedOracle('thick', PASSWORD));
    thick.down = () =>
      driverError(
        'DPI-1047',
        'Cannot locate a 64-bit Oracle Client library: "libclntsh.so: cannot open shared object file: No such file or directory"',
      );
    const check = byName(await runHealthChecks(deps({ factory: thick })))['oracle-connect']!;
    expect(check).toMatchObject({ status: 'fail', code: 'DPI-1047' });
    expect(check.hint).toMatch(/^thick mode needs the Oracle Instant Client layer/);
  });

  it('a connect that never answers fails within the check timeout, with the network hint', async () => {
    db.connectHangs = true;
    const started = Date.now();
    const report = await runHealthChecks(deps({ timeoutsMs: { 'oracle-connect': 300 } }));
    expect(Date.now() - started).toBeLessThan(3_000);
    const check = byName(report)['oracle-connect']!;
    expect(check).toMatchObject({ status: 'fail', detail: 'no answer within 300 ms' });
    expect(check.hint).toMatch(/^check the VPN/);
    expect(check.latencyMs).toBeGreaterThanOrEqual(290);
    expect(db.connects[0]!.timeouts.connectTimeoutMs).toBeLessThanOrEqual(300);
  });
});

describe('S3 and time', () => {
  it('AccessDenied on the heartbeat names the permission', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    const report = await runHealthChecks(deps());
    const check = byName(report)['s3-heartbeat']!;
    expect(check).toMatchObject({ status: 'fail' });
    expect(check.detail).toBe('writing s3://mp-results/colors/health/heartbeat-dev.json failed: Access Denied (AccessDenied, HTTP 403)');
    expect(check.hint).toBe(
      "permission denied: the function's role (or your CLI credentials) needs s3:PutObject on s3://mp-results/colors/health/* (and kms:GenerateDataKey on the results key)",
    );
    expect(report.ok).toBe(false);
    expect(report.summary).toMatch(/^s3-heartbeat failed: permission denied/);
  });

  it('never starts a check the invocation has no time left for', async () => {
    const report = await runHealthChecks(deps({ deadline: () => 2_100 }));
    expect(report.ok).toBe(false);
    for (const check of report.checks.filter((c) => c.status !== 'skipped')) {
      expect(check.detail).toBe('not enough time left in the invocation to run this check');
      expect(check.hint).toMatch(/^the check ran out of time/);
    }
    expect(ssm.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('gives each check no more than the invocation has left', async () => {
    await runHealthChecks(deps({ deadline: () => 7_000 }));
    // 7 s left minus the 2 s reserve: the connect may take at most 5 s.
    expect(db.connects[0]!.timeouts.connectTimeoutMs).toBeLessThanOrEqual(5_000);
    expect(db.connects[0]!.timeouts.callTimeoutMs).toBeLessThanOrEqual(5_000);
  });
});
