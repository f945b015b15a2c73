/**
 * The `market-pulse` CLI: dispatch, help, and turning errors into one line on stderr and an exit
 * code. Commands throw; only this file decides what the user sees when they do.
 */
import { ConfigError, MarketPulseError, UsageError } from '../../lambdas/errors.js';
import { CODE_VERSION } from '../../lambdas/version.js';
import { EXIT } from './exit-codes.js';
import type { CliIo, CommandResult } from './io.js';

/** A command returns nothing on success, or its own exit code (health: 6 when a check failed, report printed). */
interface Command {
  help: string;
  run: (args: string[], io: CliIo) => Promise<CommandResult>;
}

/**
 * Each command's module is loaded only when that command is asked for: health, extract and backfill
 * bring the AWS SDK and oracledb with them, which `run` on local files and `--help` never need.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: () => import('./run-command.js').then((m) => ({ help: m.RUN_HELP, run: m.runCommand })),
  'validate-config': () =>
    import('./validate-config-command.js').then((m) => ({ help: m.VALIDATE_CONFIG_HELP, run: m.validateConfigCommand })),
  health: () => import('./health-command.js').then((m) => ({ help: m.HEALTH_HELP, run: m.healthCommand })),
  extract: () => import('./extract-command.js').then((m) => ({ help: m.EXTRACT_HELP, run: m.extractCommand })),
  backfill: () => import('./backfill-command.js').then((m) => ({ help: m.BACKFILL_HELP, run: m.backfillCommand })),
  config: () => import('./config-command.js').then((m) => ({ help: m.CONFIG_HELP, run: m.configCommand })),
  upload: () => import('./upload-command.js').then((m) => ({ help: m.UPLOAD_HELP, run: m.uploadCommand })),
};

export const MAIN_HELP = `market-pulse ${CODE_VERSION} — the MarketPulse Run Colors job

Usage: market-pulse <command> [options]

Commands:
  run               run the job on CSV/JSON Lines/.xlsx files or Oracle; publish to a folder or S3
  validate-config   check a config document (rules, ranking, window) and report every problem
  health            check a stage: SSM parameters, Oracle SELECT 1, table readable, S3 writable
  extract           write a stage's database info, table list, table schema and sample rows
  backfill          re-run the job over a date range through the stage's state machine
  config            push, history, diff, rollback: a stage's rules managed like code
  upload            add a file to a day of a stage: it joins every run of that date, starting one

Run 'market-pulse <command> --help' for a command's options.

Exit codes: 0 success, 1 failure (database, SSM, backfill), 2 usage, 3 invalid config,
4 unreadable input, 5 publish failed, 6 a health check failed, 7 run held back,
8 config changed by someone else since it was read (nothing written),
9 the day already has an upload of that name (nothing overwritten).`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.out(CODE_VERSION);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`market-pulse: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see market-pulse --help)`);
    return EXIT.usage;
  }
  const command = await load();
  if (args.includes('-h') || args.includes('--help')) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return (await command.run(args, io)) ?? EXIT.ok;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof ConfigError && error.issues.length > 1) {
    io.err(`market-pulse: invalid config ${error.source}: ${error.issues.length} problems`);
    for (const issue of error.issues) io.err(`  ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    return EXIT.config;
  }
  if (error instanceof MarketPulseError) {
    io.err(`market-pulse: ${error.message}`);
    return exitCodeFor(error);
  }
  // parseArgs errors (unknown option, missing value) are usage errors.
  if (isParseArgsError(error)) {
    io.err(`market-pulse: ${(error as Error).message}`);
    return EXIT.usage;
  }
  io.err(`market-pulse: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.MARKET_PULSE_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
  return EXIT.failed;
}

function exitCodeFor(error: MarketPulseError): number {
  switch (error.code) {
    case 'CONFIG_INVALID':
      return EXIT.config;
    case 'SOURCE_INVALID':
      return EXIT.source;
    case 'PUBLISH_FAILED':
    case 'RUN_ALREADY_PUBLISHED':
      return EXIT.publish;
    case 'UPLOAD_EXISTS':
      return EXIT.uploadExists;
    default:
      return error instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
