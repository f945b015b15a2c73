/**
 * The `run-colors` Lambda's environment, set by the CDK stack. Read once per container and checked
 * whole, so a misconfigured deployment fails with every problem named rather than half-way through.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DEFAULT_TIME_ZONE } from '../pipeline/config.js';
import { isValidTimeZone } from '../pipeline/time-zone.js';
import { zodIssues } from '../pipeline/validation-issues.js';

const schema = z
  .object({
    STAGE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'must be a stage name such as dev or prod' }),
    RESULTS_BUCKET: z.string().min(3, { error: 'must name the results bucket' }),
    RESULTS_PREFIX: z.string().default('market-pulse'),
    RESULTS_KMS_KEY_ID: z.string().min(1).optional(),
    CONFIG_BUCKET: z.string().min(3).optional(),
    CONFIG_KEY: z.string().min(1).optional(),
    SCHEDULE_TZ: z.string().refine(isValidTimeZone, { error: 'must be an IANA time zone' }).default(DEFAULT_TIME_ZONE),
  })
  .refine((env) => (env.CONFIG_BUCKET === undefined) === (env.CONFIG_KEY === undefined), {
    error: 'CONFIG_BUCKET and CONFIG_KEY go together: set both to read the config document from S3, or neither to use the bundled one',
    path: ['CONFIG_KEY'],
  });

export type RunColorsEnvironment = z.infer<typeof schema>;

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): RunColorsEnvironment {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError('Lambda environment', zodIssues(parsed.error));
  return parsed.data;
}
