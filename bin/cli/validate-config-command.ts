/** `market-pulse validate-config`: checks a config document without running anything. */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../lambdas/adapters/config-file.js';
import { UsageError } from '../../lambdas/errors.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

export const VALIDATE_CONFIG_HELP = `Usage: market-pulse validate-config <file>

Checks a config document (rules, ranking order, window, column map, outputs) and reports every
problem with its JSON path.
Exit codes: ${EXIT.ok} valid, ${EXIT.config} invalid or unreadable, ${EXIT.usage} usage.

Options:
  -h, --help   show this help`;

export async function validateConfigCommand(args: string[], io: CliIo): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('validate-config takes exactly one file (see market-pulse validate-config --help)');
  const { config, sha256, source } = await loadConfigFile(positionals[0]!);
  const active = config.rules.filter((rule) => rule.active).length;
  io.out(`${source}: valid`);
  io.out(`  version:  ${config.version ?? '(none)'}`);
  io.out(`  rules:    ${config.rules.length} (${active} active)`);
  io.out(`  ranking:  ${config.ranking.order.map((key) => `${key.column} ${key.direction}`).join(', ')}, then tie-breaks`);
  io.out(`  window:   ${config.window.lookbackDays} day(s) in ${config.window.timeZone}`);
  io.out(`  dedupe:   ${config.dedupe}; jsonl output: ${config.outputs.jsonl}`);
  io.out(`  sha256:   ${sha256}`);
}
