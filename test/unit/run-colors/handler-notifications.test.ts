/**
 * The deployed entry point announcing runs on the stage's topic: middy, Powertools, the real
 * SnsNotifier and S3Sink over SDK clients mocked with aws-sdk-client-mock; the database edge is
 * replaced by rows chosen per test (ranked, all rejected, or a source that fails). One message per
 * run, of the right kind, with counts, location and filterable attributes; a topic that refuses
 * the message is counted and logged, and the run's outcome stays what it was.
 */
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientSourceError } from '../../../lambdas/errors.js';
import type { RunMessage } from '../../../lambdas/run-colors/notification.js';
import { captureOutput, emfDocuments, lambdaContext } from '../../helpers/lambda-harness.js';
import { recordOf } from '../../helpers/memory-ports.js';

const TOPIC = 'arn:aws:sns:eu-central-1:111111111111:market-pulse-test-runs';

// What the stand-in for OracleSource serves: its rows, or a failure when it is opened.
const source = vi.hoisted(() => ({ rows: [] as (string | null)[][], failure: undefined as Error | undefined }));

vi.mock('../../../lambdas/adapters/oracle/source.js', async () => {
  const { MemorySource } = await import('../../helpers/memory-ports.js');
  const { COLUMNS } = await import('../../../lambdas/pipeline/columns.js');
  return {
    OracleSource: class extends MemorySource {
      constructor() {
        super([...COLUMNS], source.rows);
      }
      override async open() {
        if (source.failure) throw source.failure;
        return super.open();
      }
    },
  };
});

const GOOD_ROWS = [
  recordOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '2026-11-20T10:00:00', PX: '99.5', SOURCE: 'CITI' }),
  recordOf({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20T11:00:00', PX: '99.75', SOURCE: 'JPM' }),
  recordOf({ MESSAGE_ID: '3', CUSIP: 'BBB', DATE: '2026-11-20T11:00:00', PX: '', SOURCE: 'JPM' }),
];
// Every date written the US way: every row rejected, so the run is held back.
const REJECTED_ROWS = [
  recordOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '3/13/2026', PX: '1' }),
  recordOf({ MESSAGE_ID: '2', CUSIP: 'BBB', DATE: '3/14/2026', PX: '2' }),
];

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const stored = new Map<string, Buffer>();
let written: string[];

beforeAll(() => {
  Object.assign(process.env, {
    STAGE: 'test',
    RESULTS_BUCKET: 'mp-results',
    RESULTS_PREFIX: 'colors',
    SCHEDULE_TZ: 'America/New_York',
    NOTIFICATION_TOPIC_ARN: TOPIC,
  });
});
afterAll(() => {
  delete process.env.NOTIFICATION_TOPIC_ARN;
});
beforeEach(() => {
  s3.reset();
  sns.reset();
  stored.clear();
  source.rows = GOOD_ROWS;
  source.failure = undefined;
  written = captureOutput();
  // No file uploaded to the day: the run reads the database alone.
  s3.on(ListObjectVersionsCommand).resolves({});
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Buffer }) => {
    stored.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = stored.get(input.Key);
    if (!body)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToString: async () => body.toString('utf8'), transformToByteArray: async () => new Uint8Array(body) } };
  });
  sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
});
afterEach(() => vi.restoreAllMocks());

async function invoke(event: unknown): Promise<{ result?: unknown; error?: Error & { code?: string } }> {
  const { handler } = await import('../../../lambdas/run-colors/handler.js');
  return handler(event, lambdaContext('market-pulse-test-run-colors', 60_000)).then(
    (result) => ({ result }),
    (error: unknown) => ({ error: error as Error & { code?: string } }),
  );
}

/** Every Publish sent, with its JSON document and e-mail text unpacked. */
function published(): { input: PublishCommandInput; message: RunMessage; email: string }[] {
  return sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    const structured = JSON.parse(input.Message!) as { default: string; email: string };
    return { input, message: JSON.parse(structured.default) as RunMessage, email: structured.email };
  });
}

const attributes = (kind: string, asOf: string, trigger: string) => ({
  kind: { DataType: 'String', StringValue: kind },
  stage: { DataType: 'String', StringValue: 'test' },
  asOf: { DataType: 'String', StringValue: asOf },
  trigger: { DataType: 'String', StringValue: trigger },
});

describe('run-colors announces each run on the stage topic', () => {
  it('run-published: counts, the run folder, its report and what latest.json names, after the run is stored', async () => {
    const { result, error } = await invoke({ asOf: '2026-11-20' });
    expect(error).toBeUndefined();
    const [sent, ...more] = published();
    expect(more).toEqual([]);
    const runId = (result as { runId: string }).runId;
    const folder = `colors/runs/as-of=2026-11-20/run-id=${runId}`;
    expect(sent!.input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: 'market-pulse test: run published for 2026-11-20 (2 ranked)',
    });
    expect(sent!.input.MessageAttributes).toEqual(attributes('run-published', '2026-11-20', 'manual'));
    expect(sent!.message).toEqual({
      messageVersion: 1,
      kind: 'run-published',
      stage: 'test',
      asOf: '2026-11-20',
      runId,
      trigger: 'manual',
      location: `s3://mp-results/${folder}`,
      // The stored manifest's counts, as they are.
      counts: (JSON.parse(stored.get(`${folder}/manifest.json`)!.toString('utf8')) as { counts: unknown }).counts,
      reportKey: `${folder}/report.html`,
      changes: [
        expect.objectContaining({
          relation: 'same-date',
          status: 'none',
          against: null,
          parentsChanged: null,
          note: 'no run of 2026-11-20 was published before this one',
        }),
        expect.objectContaining({
          relation: 'previous-date',
          status: 'none',
          against: null,
          note: 'no run was published for the 7 dates before 2026-11-20',
        }),
      ],
      pointer: { status: 'current' },
      redelivery: false,
    });
    expect(stored.has(`${folder}/report.html`)).toBe(true);
    expect(sent!.email).toContain(`Report: ${folder}/report.html`);
    expect(sent!.email).toContain('Since the previous run of the date: no run of 2026-11-20 was published before this one.');
    expect(sent!.message.counts).toMatchObject({ read: 3, ranked: 2, groups: 1, excluded: 1, rejected: 0 });
    expect(sent!.email).toContain('Run published: market-pulse test, as-of 2026-11-20.');
    expect(sent!.email).toContain('Rows: 3 read: 2 ranked in 1 groups, 1 excluded, 0 rejected.');
    // Announced once the run is complete: its manifest and latest.json are stored.
    expect([...stored.keys()]).toEqual(expect.arrayContaining([`${folder}/manifest.json`, 'colors/runs/as-of=2026-11-20/latest.json']));
    expect(emfDocuments(written).some((m) => 'RunNotificationsFailed' in m)).toBe(false);
  });

  it('run-published after an earlier run of the date: the diff summary says which parents changed and why, and the CUSIPs new', async () => {
    expect((await invoke({ asOf: '2026-11-20' })).error).toBeUndefined();
    const before = (published()[0]!.message as { runId: string }).runId;
    // AAA's parent was message 2 (newest); now message 2 is older than message 1. CCC is new.
    source.rows = [
      GOOD_ROWS[0]!,
      recordOf({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20T09:00:00', PX: '99.75', SOURCE: 'JPM' }),
      recordOf({ MESSAGE_ID: '4', CUSIP: 'CCC', DATE: '2026-11-20T11:00:00', PX: '101', SOURCE: 'MS' }),
    ];
    expect((await invoke({ asOf: '2026-11-20' })).error).toBeUndefined();
    const sent = published()[1]!;
    expect(sent.message.changes?.[0]).toEqual({
      relation: 'same-date',
      status: 'compared',
      against: { asOf: '2026-11-20', runId: before },
      parentsChanged: 1,
      changedByReason: { rank: 0, date: 1, price: 0, other: 0, 'tie-break': 0 },
      newCusips: 1,
      goneCusips: 0,
      note: null,
    });
    expect(sent.email).toContain(
      `Since the previous run of the date (${before}, 2026-11-20): 1 parents changed (date 1), 1 CUSIPs new, 0 gone.`,
    );
  });

  it('run-held-back: once per run, with the reason and the counts; the redelivery that fails again is not announced again', async () => {
    source.rows = REJECTED_ROWS;
    const event = { scheduledTime: '2026-11-21T03:30:00Z' };
    const first = await invoke(event);
    expect(first.error).toMatchObject({ code: 'RUN_HELD_BACK' });
    const [sent] = published();
    expect(sent!.input.MessageAttributes).toEqual(attributes('run-held-back', '2026-11-20', 'scheduled'));
    expect(sent!.message).toMatchObject({
      kind: 'run-held-back',
      trigger: 'scheduled',
      location: expect.stringMatching(/^s3:\/\/mp-results\/colors\/runs\/as-of=2026-11-20\/run-id=[0-9A-Z]{26}$/),
      counts: { read: 2, ranked: 0, rejected: 2 },
      heldBack: 'no ranked rows (2 read: 0 excluded, 2 rejected)',
    });
    expect(sent!.message.pointer).toBeUndefined();
    expect(sent!.input.Subject).toBe('market-pulse test: run held back for 2026-11-20');
    expect(sent!.email).toContain('Why: no ranked rows (2 read: 0 excluded, 2 rejected).');

    sns.resetHistory();
    const again = await invoke(event);
    expect(again.error).toMatchObject({ code: 'RUN_HELD_BACK', repeat: true });
    expect(published()).toEqual([]);
  });

  it('run-failed: the error code and message, no counts or location; the invocation fails with the same error', async () => {
    source.failure = new TransientSourceError('the database could not be reached (NJS-503) and retrying within the time left did not help');
    const { error } = await invoke({ scheduledTime: '2026-11-21T03:30:00Z' });
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    const [sent, ...more] = published();
    expect(more).toEqual([]);
    expect(sent!.input.MessageAttributes).toEqual(attributes('run-failed', '2026-11-20', 'scheduled'));
    expect(sent!.message).toMatchObject({
      kind: 'run-failed',
      location: null,
      counts: null,
      error: {
        code: 'SOURCE_UNAVAILABLE',
        message: 'the database could not be reached (NJS-503) and retrying within the time left did not help',
      },
    });
    expect(sent!.email).toContain('Error: SOURCE_UNAVAILABLE: the database could not be reached');
    expect(emfDocuments(written).some((m) => m.RunsFailed === 1)).toBe(true);
  });

  it('nothing for a dry run (nothing is published) or an event that plans no run', async () => {
    expect((await invoke({ asOf: '2026-11-20', dryRun: true })).error).toBeUndefined();
    expect((await invoke({ asOf: 'tomorrow' })).error).toMatchObject({ code: 'USAGE' });
    expect(sns.calls()).toHaveLength(0);
  });

  it('a topic that refuses the message: counted as RunNotificationsFailed and logged; the run is still published and succeeds', async () => {
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: SNS:Publish'), {
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const { result, error } = await invoke({ asOf: '2026-11-20' });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ status: 'published', pointer: { status: 'current' } });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const metrics = emfDocuments(written);
    expect(metrics.some((m) => m.RunNotificationsFailed === 1 && m.stage === 'test')).toBe(true);
    expect(metrics.some((m) => m.RunsSucceeded === 1)).toBe(true);
    const line = written.find((text) => text.includes('"message":"run notification not sent; the run outcome stands"'));
    expect(line).toContain('AuthorizationErrorException');
    expect(line).toContain('"kind":"run-published"');
  });

  it('a topic that refuses the message does not turn a failed run into another failure: the run error is what the invocation reports', async () => {
    sns.on(PublishCommand).rejects(new Error('socket hang up'));
    source.failure = new TransientSourceError('the database could not be reached');
    const { error } = await invoke({ asOf: '2026-11-20' });
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', message: 'the database could not be reached' });
    expect(emfDocuments(written).some((m) => m.RunNotificationsFailed === 1 && m.RunsFailed === 1)).toBe(true);
  });
});
