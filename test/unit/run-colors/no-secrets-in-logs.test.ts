/**
 * Everything the job writes while it runs — Powertools JSON logs on stdout and stderr, the error it
 * throws, the result, the published files and the run notification — checked for the Oracle
 * password, on a run that succeeds, one that rotates credentials, one held back, and ones that fail.
 * Real SsmSettings (SSM mocked at the SDK), real OracleSource (database faked behind its connection
 * factory), real pipeline, logger and SnsNotifier (SNS mocked at the SDK).
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../../lambdas/adapters/oracle/circuit-breaker.js';
import { OracleSource } from '../../../lambdas/adapters/oracle/source.js';
import { SnsNotifier } from '../../../lambdas/adapters/sns-notifier.js';
import { SsmSettings } from '../../../lambdas/adapters/ssm-settings.js';
import { createLogger, logPort } from '../../../lambdas/observability.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { buildRunNotification } from '../../../lambdas/run-colors/notification.js';
import { runColorsJob } from '../../../lambdas/run-colors/run-colors-job.js';
import { badLogin, errorText, FakeOracleDatabase, FakeOracleFactory, rowOf } from '../../helpers/fake-oracle.js';
import { captureOutput, serveOracleParameters } from '../../helpers/lambda-harness.js';
import { MemorySink } from '../../helpers/memory-ports.js';

const PASSWORD = 'Zq9-unmistakable-Pa55word!';
const ROTATED = 'Zq9-rotated-Pa55word-2027!';
const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);

function storeParameters(password: string): void {
  serveOracleParameters(ssm, {
    host: 'db.internal',
    port: '1521',
    'service-name': 'FREEPDB1',
    username: 'MARKET_PULSE',
    password,
    schema: 'DESK',
    table: 'COLORS',
  });
}

let written: string[];
beforeEach(() => {
  ssm.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  clearCaches();
  written = captureOutput();
});
afterEach(() => vi.restoreAllMocks());

function job(db: FakeOracleDatabase) {
  const logger = createLogger();
  logger.setLogLevel('DEBUG');
  const log = logPort(logger);
  const settings = new SsmSettings({ stage: 'test', log });
  const sink = new MemorySink();
  const notifier = new SnsNotifier({
    client: new SNSClient({ region: 'eu-central-1' }),
    topicArn: 'arn:aws:sns:eu-central-1:111111111111:market-pulse-test-runs',
    log,
  });
  const run = (event: unknown) =>
    runColorsJob(event, {
      loadConfig: async () => parseConfig('{"rules": []}', 'test.json'),
      createSource: (config, window) =>
        new OracleSource({
          settings,
          config,
          window,
          factory: new FakeOracleFactory(db),
          log,
          breaker: new CircuitBreaker(),
          sleep: async () => {},
          parameterPrefix: '/market-pulse/test/oracle/',
        }),
      sink,
      scheduleTimeZone: 'America/New_York',
      log,
      announce: (outcome) => notifier.publish(buildRunNotification(outcome, 'test')),
    });
  return { run, sink };
}

/** The notifications sent, by kind; each test checks one was sent, so that its absence of the password means something. */
function notified(): string[] {
  return sns.commandCalls(PublishCommand).map((call) => call.args[0].input.MessageAttributes?.kind?.StringValue ?? '');
}

function everything(sink: MemorySink, ...more: unknown[]): string {
  const files = sink.published
    .flatMap((p) => [...p.files, p.manifest])
    .map((f) => Buffer.concat(f.chunks.map((c) => Buffer.from(c))).toString());
  const messages = sns.commandCalls(PublishCommand).map((call) => JSON.stringify(call.args[0].input));
  return [...written, ...files, ...messages, ...more.map((m) => (m instanceof Error ? errorText(m) : JSON.stringify(m)))].join('\n');
}

describe('the Oracle password never appears', () => {
  it('in a successful run, with debug logging on', async () => {
    storeParameters(PASSWORD);
    const db = new FakeOracleDatabase(PASSWORD);
    db.rows = [rowOf({ MESSAGE_ID: '9223372036854775807', CUSIP: 'AAA', DATE: '2026-11-20T10:00:00', PX: '99.5' })];
    const { run, sink } = job(db);
    const result = await run({ asOf: '2026-11-20' });
    expect(result.status).toBe('published');
    expect(written.some((line) => line.includes('"message":"run finished"'))).toBe(true);
    expect(notified()).toEqual(['run-published']);
    expect(everything(sink, result)).not.toContain(PASSWORD);
  });

  it('when the password is rotated in SSM mid-life and the next run picks it up', async () => {
    storeParameters(PASSWORD);
    const db = new FakeOracleDatabase(PASSWORD);
    db.rows = [rowOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '2026-11-19T10:00:00', PX: '99.5' })];
    const { run, sink } = job(db);
    await run({ asOf: '2026-11-19' });
    db.changePassword(ROTATED, { killSessions: true });
    storeParameters(ROTATED);
    const result = await run({ asOf: '2026-11-20' });
    expect(result.status).toBe('published');
    expect(notified()).toEqual(['run-published', 'run-published']);
    const all = everything(sink, result);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(ROTATED);
  });

  it('when the database refuses the credentials', async () => {
    storeParameters(PASSWORD);
    const db = new FakeOracleDatabase('something-else');
    const { run, sink } = job(db);
    const error = await run({ asOf: '2026-11-20' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CREDENTIALS_REJECTED' });
    expect(notified()).toEqual(['run-failed']);
    expect(everything(sink, error)).not.toContain(PASSWORD);
  });

  it('when a buggy driver echoes the attempted password in its error', async () => {
    storeParameters(PASSWORD);
    const db = new FakeOracleDatabase('something-else');
    db.echoPasswords = true;
    db.connectFailures = [badLogin];
    const { run, sink } = job(db);
    const error = await run({ asOf: '2026-11-20' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(notified()).toEqual(['run-failed']);
    expect(everything(sink, error)).not.toContain(PASSWORD);
  });

  it('in a run that is held back', async () => {
    storeParameters(PASSWORD);
    const db = new FakeOracleDatabase(PASSWORD);
    db.rows = [rowOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '3/13/2026', PX: '99.5' })];
    const { run, sink } = job(db);
    const error = await run({ asOf: '2026-11-20' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RUN_HELD_BACK' });
    expect(notified()).toEqual(['run-held-back']);
    expect(everything(sink, error)).not.toContain(PASSWORD);
  });
});
