/**
 * Rows per input, for a run over several inputs (union-source.ts): the manifest lists each input
 * with where its SOURCE_ROWs start (and, for a file uploaded to the day, its key and the S3 version
 * read) and what became of its rows, so that read = ranked + excluded + rejected holds for every
 * input as for the run.
 */
import type { SourceInput, SourceInputs } from './ports.js';

export type RowOutcome = 'ranked' | 'excluded' | 'rejected';

export interface ManifestInput extends SourceInput {
  readonly read: number;
  readonly ranked: number;
  readonly excluded: number;
  readonly rejected: number;
}

export class InputCounts {
  private readonly counts: { read: number; ranked: number; excluded: number; rejected: number }[] = [];

  constructor(private readonly inputs: SourceInputs) {}

  add(sourceRow: number, outcome: RowOutcome): void {
    const index = this.inputs.indexOf(sourceRow);
    this.counts[index] ??= { read: 0, ranked: 0, excluded: 0, rejected: 0 };
    const counts = this.counts[index];
    counts.read++;
    counts[outcome]++;
  }

  entries(): ManifestInput[] {
    return this.inputs
      .list()
      .map((input, index) => ({ ...input, ...(this.counts[index] ?? { read: 0, ranked: 0, excluded: 0, rejected: 0 }) }));
  }
}
