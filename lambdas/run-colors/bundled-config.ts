/**
 * The config document bundled with the function, used when the stack names no S3 copy
 * (CONFIG_BUCKET/CONFIG_KEY). It is the repository's `samples/config.json`; a desk that wants to
 * change rules without a redeploy points the function at a document in S3 instead.
 */
import sample from '../../samples/config.json' with { type: 'json' };
import { type LoadedConfig, parseConfig } from '../pipeline/config.js';

const BUNDLED_CONFIG_SOURCE = 'bundled:samples/config.json';

export function bundledConfig(): LoadedConfig {
  return parseConfig(`${JSON.stringify(sample, null, 2)}\n`, BUNDLED_CONFIG_SOURCE);
}
