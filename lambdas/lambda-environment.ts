/**
 * The environment the CDK stack gives every function. Read once per container and checked whole,
 * so a misconfigured deployment fails with every problem named rather than half-way through.
 */
import * as z from 'zod';
import { settingsPrefix } from './adapters/oracle/settings.js';
import { ConfigError } from './errors.js';
import { DEFAULT_RESULTS_PREFIX, STAGE_NAME } from './names.js';
import { DEFAULT_TIME_ZONE } from './pipeline/config.js';
import { isValidTimeZone } from './pipeline/time-zone.js';
import { zodIssues } from './pipeline/validation-issues.js';

/**
 * What every function reads: its stage, where results go, and the schedule's time zone.
 * SETTINGS_PREFIX shows an operator which SSM parameters the function reads; the code derives the
 * same prefix from STAGE, and a function whose two disagree refuses to start rather than guess.
 */
export const lambdaEnvironmentSchema = z
  .object({
    STAGE: z.string().regex(STAGE_NAME, { error: 'must be a stage name such as dev or prod' }),
    SETTINGS_PREFIX: z.string().optional(),
    RESULTS_BUCKET: z.string().min(3, { error: 'must name the results bucket' }),
    RESULTS_PREFIX: z.string().default(DEFAULT_RESULTS_PREFIX),
    RESULTS_KMS_KEY_ID: z.string().min(1).optional(),
    SCHEDULE_TZ: z.string().refine(isValidTimeZone, { error: 'must be an IANA time zone' }).default(DEFAULT_TIME_ZONE),
  })
  .refine((env) => env.SETTINGS_PREFIX === undefined || env.SETTINGS_PREFIX === settingsPrefix(env.STAGE), {
    error: 'does not match STAGE (expected /market-pulse/<STAGE>/oracle/); redeploy the stack instead of editing the environment',
    path: ['SETTINGS_PREFIX'],
  });

export type LambdaEnvironment = z.infer<typeof lambdaEnvironmentSchema>;

export function readLambdaEnvironment<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv = process.env): z.infer<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError('Lambda environment', zodIssues(parsed.error));
  return parsed.data;
}
