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
    expect(readEnvironment({ ...base, CONFIG_BUCKET: 'mp-config', CONFIG_KEY: 'desk.json' })).toMatchObject({ CONFIG_BUCKET: 'mp-config', CONFIG_KEY: 'desk.json' });
    expect(() => readEnvironment({ ...base, CONFIG_BUCKET: 'mp-config' })).toThrow(/CONFIG_KEY: CONFIG_BUCKET and CONFIG_KEY go together/);
  });

  it('names every problem at once', () => {
    expect(() => readEnvironment({ STAGE: 'Prod!', SCHEDULE_TZ: 'Mars/Olympus' })).toThrow(/\(3 problems\): STAGE: .*; RESULTS_BUCKET: .*; SCHEDULE_TZ: must be an IANA time zone/);
  });
});
