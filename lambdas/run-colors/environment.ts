/** The `run-colors` Lambda's environment: the shared one, plus where its config document lives and where runs are announced. */
import * as z from 'zod';
import { lambdaEnvironmentSchema, readLambdaEnvironment } from '../lambda-environment.js';

const schema = lambdaEnvironmentSchema
  .and(
    z.object({
      CONFIG_BUCKET: z.string().min(3).optional(),
      CONFIG_KEY: z.string().min(1).optional(),
      // The stage's run topic (lib/run-notifications.ts); without it no run is announced.
      NOTIFICATION_TOPIC_ARN: z
        .string()
        .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
          error: 'must be an SNS topic ARN such as arn:aws:sns:eu-central-1:123456789012:market-pulse-dev-runs',
        })
        .optional(),
    }),
  )
  .refine((env) => (env.CONFIG_BUCKET === undefined) === (env.CONFIG_KEY === undefined), {
    error: 'CONFIG_BUCKET and CONFIG_KEY go together: set both to read the config document from S3, or neither to use the bundled one',
    path: ['CONFIG_KEY'],
  });

export type RunColorsEnvironment = z.infer<typeof schema>;

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): RunColorsEnvironment {
  return readLambdaEnvironment(schema, env);
}
