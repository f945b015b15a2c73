import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../../lambdas/run-colors/environment.js';

const base = { STAGE: 'prod', RESULTS_BUCKET: 'mp-results' };

describe('the run-colors environment', () => {
  it('fills defaults around what the stack sets', () => {
    expect(readEnvironment({ ...base, SETTINGS_PREFIX: '/market-pulse/prod/oracle/' })).toEqual({
      ...base,
      SETTINGS_PREFIX: '/market-pulse/prod/oracle/',
      RESULTS_PREFIX: 'market-pulse',
      SCHEDULE_TZ: 'America/New_York',
    });
  });

  it('refuses a parameter prefix that disagrees with the stage', () => {
    expect(() => readEnvironment({ ...base, SETTINGS_PREFIX: '/market-pulse/dev/oracle/' })).toThrow(
      'invalid config Lambda environment: SETTINGS_PREFIX: does not match STAGE (expected /market-pulse/<STAGE>/oracle/); redeploy the stack instead of editing the environment',
    );
  });

  it('takes the S3 config document only as a bucket and key together', () => {
    expect(readEnvironment({ ...base, CONFIG_BUCKET: 'mp-config', CONFIG_KEY: 'desk.json' })).toMatchObject({
      CONFIG_BUCKET: 'mp-config',
      CONFIG_KEY: 'desk.json',
    });
    expect(() => readEnvironment({ ...base, CONFIG_BUCKET: 'mp-config' })).toThrow(/CONFIG_KEY: CONFIG_BUCKET and CONFIG_KEY go together/);
  });

  it('takes the run topic as an SNS topic ARN, and refuses anything else (a name, a queue ARN)', () => {
    const topic = 'arn:aws:sns:eu-central-1:123456789012:market-pulse-prod-runs';
    expect(readEnvironment({ ...base, NOTIFICATION_TOPIC_ARN: topic })).toMatchObject({ NOTIFICATION_TOPIC_ARN: topic });
    for (const wrong of ['market-pulse-prod-runs', 'arn:aws:sqs:eu-central-1:123456789012:market-pulse-prod-runs']) {
      expect(() => readEnvironment({ ...base, NOTIFICATION_TOPIC_ARN: wrong })).toThrow(/NOTIFICATION_TOPIC_ARN: must be an SNS topic ARN/);
    }
  });

  it('names every problem at once', () => {
    expect(() => readEnvironment({ STAGE: 'Prod!', SCHEDULE_TZ: 'Mars/Olympus' })).toThrow(
      /\(3 problems\): STAGE: .*; RESULTS_BUCKET: .*; SCHEDULE_TZ: must be an IANA time zone/,
    );
  });
});
