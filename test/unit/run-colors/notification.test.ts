/**
 * The run message on its own (lambdas/run-colors/notification.ts) and the Publish request the SNS
 * adapter makes of it: where the report is, what a failure may say, the limits SNS sets.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEADLINE_RESERVE_MS, publishInput, SnsNotifier } from '../../../lambdas/adapters/sns-notifier.js';
import { ConfigError } from '../../../lambdas/errors.js';
import type { RunCounts } from '../../../lambdas/pipeline/manifest.js';
import { buildRunNotification, type RunOutcome, reportKeyOf } from '../../../lambdas/run-colors/notification.js';

const LOCATION = 's3://mp-results/colors/runs/as-of=2026-11-20/run-id=01JD0000000000000000000000';
const COUNTS: RunCounts = {
  read: 12_345,
  ranked: 10_000,
  groups: 812,
  excluded: 2_000,
  excludedByRule: { 'drop-unpriced-colors': 2_000 },
  rejected: 345,
  rejectedByReason: { 'DATE: not a date': 345 },
};
const FILES = [{ name: 'colors.csv' }, { name: 'excluded.csv' }, { name: 'rejected.csv' }];
const RUN = { asOf: '2026-11-20', runId: '01JD0000000000000000000000', trigger: 'scheduled' } as const;

const publishedRun = (over: Partial<Extract<RunOutcome, { kind: 'run-published' }>> = {}): RunOutcome => ({
  kind: 'run-published',
  ...RUN,
  location: LOCATION,
  counts: COUNTS,
  files: FILES,
  pointer: { status: 'current' },
  redelivery: false,
  ...over,
});

describe('the report key', () => {
  it('is <run folder>/report.html in the results bucket once the manifest lists report.html, and absent before', () => {
    expect(reportKeyOf(LOCATION, FILES)).toBeUndefined();
    expect(reportKeyOf(LOCATION, [...FILES, { name: 'report.html' }])).toBe(
      'colors/runs/as-of=2026-11-20/run-id=01JD0000000000000000000000/report.html',
    );
    const withReport = buildRunNotification(publishedRun({ files: [...FILES, { name: 'report.html' }] }), 'prod');
    expect(withReport.message.reportKey).toBe('colors/runs/as-of=2026-11-20/run-id=01JD0000000000000000000000/report.html');
    expect(withReport.text).toContain('Report: colors/runs/as-of=2026-11-20/run-id=01JD0000000000000000000000/report.html');
    expect('reportKey' in buildRunNotification(publishedRun(), 'prod').message).toBe(false);
  });

  it('is named for a held-back run too, whose report explains it', () => {
    const outcome: RunOutcome = {
      kind: 'run-held-back',
      ...RUN,
      location: LOCATION,
      counts: COUNTS,
      files: [...FILES, { name: 'report.html' }],
      reason: 'too many rejected',
    };
    expect(buildRunNotification(outcome, 'prod').message).toMatchObject({
      kind: 'run-held-back',
      heldBack: 'too many rejected',
      reportKey: expect.stringMatching(/\/report\.html$/),
    });
  });
});

describe('a published run', () => {
  it('reads as a short text with thousands separated, and says when latest.json names a newer run', () => {
    const { subject, text } = buildRunNotification(
      publishedRun({ pointer: { status: 'newer', runId: '01JE0000000000000000000000' }, redelivery: true }),
      'prod',
    );
    expect(subject).toBe('market-pulse prod: run published for 2026-11-20 (10,000 ranked)');
    expect(text).toBe(
      [
        'Run published: market-pulse prod, as-of 2026-11-20.',
        '',
        'Rows: 12,345 read: 10,000 ranked in 812 groups, 2,000 excluded, 345 rejected.',
        'Run: 01JD0000000000000000000000 (scheduled)',
        `Files: ${LOCATION}/`,
        'latest.json names a newer run, 01JE0000000000000000000000; this one is kept beside it (a later attempt of this scheduled run finished it).',
        '',
      ].join('\n'),
    );
  });

  it('names each upload the run left out, with why, in the message and the text; none, no field', () => {
    const rejectedUploads = [{ key: 'colors/uploads/as-of=2026-11-20/late.xlsx', versionId: 'v1', reason: 'not an .xlsx workbook (…)' }];
    const { message, text } = buildRunNotification(publishedRun({ trigger: 'upload', rejectedUploads }), 'prod');
    expect(message).toMatchObject({ trigger: 'upload', rejectedUploads });
    expect(text).toContain(
      'Upload left out: colors/uploads/as-of=2026-11-20/late.xlsx (not an .xlsx workbook (…)).\nRun: 01JD0000000000000000000000 (upload)',
    );
    expect('rejectedUploads' in buildRunNotification(publishedRun({ rejectedUploads: [] }), 'prod').message).toBe(false);
  });

  it('keeps its subject under the 100 characters SNS allows, whatever the stage', () => {
    const { subject } = buildRunNotification(
      publishedRun({ counts: { ...COUNTS, ranked: 123_456_789 } }),
      'a-very-long-stage-name-of-32-chr',
    );
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^market-pulse a-very-long-stage-name-of-32-chr: run published for 2026-11-20/);
  });
});

describe('a failed run', () => {
  it("carries a product error's code and message, clipped to 2,000 characters", () => {
    const error = new ConfigError('s3://desk/config.json', [{ path: 'rules[0].when.op', message: 'x'.repeat(5_000) }]);
    const { message } = buildRunNotification({ kind: 'run-failed', ...RUN, error }, 'prod');
    expect(message).toMatchObject({ kind: 'run-failed', location: null, counts: null, error: { code: 'CONFIG_INVALID' } });
    expect(message.error!.message).toMatch(/^invalid config s3:\/\/desk\/config\.json: rules\[0\]\.when\.op: x+…$/);
    expect(message.error!.message).toHaveLength(2_000);
  });

  it('names any other error by its class only: its message may hold what no subscriber should read', () => {
    const error = new TypeError('Cannot read properties of undefined (connect string user/Sup3r-Secret@db:1521/FREEPDB1)');
    const notification = buildRunNotification({ kind: 'run-failed', ...RUN, error }, 'prod');
    expect(notification.message.error).toEqual({ code: 'UNEXPECTED', message: 'unexpected TypeError; the run-colors log has the details' });
    expect(JSON.stringify(publishInput('arn:aws:sns:eu-central-1:111111111111:t', notification))).not.toContain('Sup3r-Secret');
  });
});

describe('the Publish request', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('is one structured message: JSON by default, the text for e-mail, the attributes for filter policies', async () => {
    const notification = buildRunNotification(publishedRun(), 'prod');
    await new SnsNotifier({
      client: new SNSClient({ region: 'eu-central-1' }),
      topicArn: 'arn:aws:sns:eu-central-1:111111111111:market-pulse-prod-runs',
    }).publish(notification);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.MessageStructure).toBe('json');
    expect(JSON.parse(input.Message!)).toEqual({ default: JSON.stringify(notification.message), email: notification.text });
    expect(input.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'run-published' },
      stage: { DataType: 'String', StringValue: 'prod' },
      asOf: { DataType: 'String', StringValue: '2026-11-20' },
      trigger: { DataType: 'String', StringValue: 'scheduled' },
    });
  });

  it('is not sent when the function has no time left for it (the run still has to end inside its timeout)', async () => {
    const notifier = new SnsNotifier({
      client: new SNSClient({ region: 'eu-central-1' }),
      topicArn: 'arn:aws:sns:eu-central-1:111111111111:t',
      remainingTimeMs: () => DEADLINE_RESERVE_MS,
    });
    await expect(notifier.publish(buildRunNotification(publishedRun(), 'prod'))).rejects.toThrow(
      'no time left to publish the run-published notification before the function times out',
    );
    expect(sns.calls()).toHaveLength(0);
  });
});
