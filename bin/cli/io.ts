/** Where the CLI writes; swapped for buffers in tests. */
import type { ProgressTerminal } from './progress.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** stderr when it is a terminal, for a progress line redrawn in place (./progress.ts). */
  readonly terminal?: ProgressTerminal | undefined;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  terminal: process.stderr.isTTY ? process.stderr : undefined,
};
