/**
 * `market-pulse config push|history|diff|rollback`: the stage's rules managed like code
 * (docs/configuration.md, "Managing the rules"). Each subcommand lives in its own file and is
 * loaded only when asked for.
 */
import { UsageError } from '../../lambdas/errors.js';
import { EXIT } from './exit-codes.js';
import type { CliIo, CommandResult } from './io.js';

export const CONFIG_HELP = `Usage: market-pulse config push     (--stage <stage> | --config-url s3://bucket/key) -m <message> <file>
       market-pulse config history  (--stage <stage> | --config-url s3://bucket/key) [--limit <n>]
       market-pulse config diff     [--stage <stage> | --config-url s3://bucket/key] <a> <b>
       market-pulse config rollback (--stage <stage> | --config-url s3://bucket/key) --to <version> [-m <message>]

Manages a stage's config document: the versioned S3 object run-colors reads. Every change is a new
version that records who made it (your AWS identity) and why (the message).

  push      checks <file> as run-colors will read it, then makes it the current version, but only
            if nobody changed the document since it was read (S3 If-Match); prints what changed
  history   the versions, newest first: version id, time (UTC), who, message
  diff      what changed from <a> to <b>, rule by rule; each is a local file, a version id of the
            stage's document, or "current"
  rollback  makes an earlier version current again: validated, then written as a new version
            (with If-Match), so the history keeps every version

Options:
  --stage <stage>        the deployed stage: its document is the object named by the SSM parameter
                         /market-pulse/<stage>/config/location (set by the stack from configKey)
  --config-url <url>     the document's S3 object, instead of --stage
  -m, --message <text>   why (required for push; rollback says "rollback to <version>" by default)
  --to <version>         rollback: the version id to make current again (see config history)
  --limit <n>            history: how many versions to show (default 20, at most 1000)
  -h, --help             show this help

Uses the standard AWS credential chain; the region is checked before anything is contacted.
Exit codes: ${EXIT.ok} done (or nothing to change), ${EXIT.failed} AWS refused or failed, ${EXIT.usage} usage,
${EXIT.config} invalid config (nothing written), ${EXIT.conflict} someone else changed the document since it was read
(nothing written: see what changed with config diff, then push again).`;

const SUBCOMMANDS: Record<string, () => Promise<(args: string[], io: CliIo) => Promise<CommandResult>>> = {
  push: () => import('./config-push.js').then((m) => m.configPush),
  rollback: () => import('./config-push.js').then((m) => m.configRollback),
  history: () => import('./config-history.js').then((m) => m.configHistory),
  diff: () => import('./config-diff-command.js').then((m) => m.configDiff),
};

export async function configCommand(args: string[], io: CliIo): Promise<CommandResult> {
  const [name, ...rest] = args;
  const load = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!load) {
    const got = name === undefined ? 'config needs a subcommand' : `unknown config subcommand "${name}"`;
    throw new UsageError(`${got}: ${Object.keys(SUBCOMMANDS).join(', ')} (see market-pulse config --help)`);
  }
  return (await load())(rest, io);
}
