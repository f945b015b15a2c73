/** Where the CLI writes; swapped for buffers in tests. */
import type { ProgressTerminal } from './progress.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** stderr when it is a terminal, for a progress line redrawn in place (./progress.ts). */
  readonly terminal?: ProgressTerminal | undefined;
}

/**
 * A line writer on a standard stream that a closed reader cannot break. `run … | head -1` closes
 * the pipe after one line; the next write then fails with EPIPE, which Node reports as an
 * 'error' event that would end the process with a stack trace and exit code 1 — in the middle of a
 * run, possibly before it is published. What a reader does with the output never changes the
 * run's outcome or exit code, so once the stream has failed, further lines are dropped.
 */
export function lineWriter(stream: NodeJS.WritableStream): (line: string) => void {
  let broken = false;
  stream.on('error', () => {
    broken = true;
  });
  return (line) => {
    if (!broken) stream.write(`${line}\n`);
  };
}

/** stdout and stderr, each guarded by {@link lineWriter}. */
export const processIo: CliIo = {
  out: lineWriter(process.stdout),
  err: lineWriter(process.stderr),
  terminal: process.stderr.isTTY ? process.stderr : undefined,
};

/** What a command resolves to: its exit code, or nothing for 0 (most commands are `async (): Promise<void>`). */
// biome-ignore lint/suspicious/noConfusingVoidType: void here is exactly "returned nothing", which means exit 0.
export type CommandResult = number | void;
