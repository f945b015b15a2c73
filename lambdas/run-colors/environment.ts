/** The `run-colors` Lambda's environment: the shared one, plus where its config document lives. */
import * as z from 'zod';
import { lambdaEnvironmentSchema, readLambdaEnvironment } from '../lambda-environment.js';

const schema = lambdaEnvironmentSchema
  .and(
    z.object({
      CONFIG_BUCKET: z.string().min(3).optional(),
      CONFIG_KEY: z.string().min(1).optional(),
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
