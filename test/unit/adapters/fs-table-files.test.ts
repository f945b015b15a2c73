/** Table files in a folder: created whole under their name, never overwritten; the same bytes again count as written. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTableFiles } from '../../../lambdas/adapters/fs-table-files.js';
import { RunAlreadyPublishedError } from '../../../lambdas/errors.js';
import { finishedFile } from '../../../lambdas/pipeline/outputs/renderer.js';
import { outputFile } from '../../helpers/s3-sink-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'mp-table-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const path = 'tables/colors/as-of=2026-11-20/run-id=RUN1/colors.parquet';
const folder = join(root, 'tables/colors/as-of=2026-11-20/run-id=RUN1');

describe('writeTableFiles', () => {
  it('creates the file with its bytes, keeps it on a retry with the same bytes, refuses other bytes', async () => {
    await writeTableFiles(root, 'RUN1', [{ path, file: finishedFile(outputFile('colors.parquet', 'PAR1 first PAR1')) }]);
    expect(readFileSync(join(root, path), 'utf8')).toBe('PAR1 first PAR1');
    await writeTableFiles(root, 'RUN1', [{ path, file: finishedFile(outputFile('colors.parquet', 'PAR1 first PAR1')) }]);
    await expect(
      writeTableFiles(root, 'RUN1', [{ path, file: finishedFile(outputFile('colors.parquet', 'PAR1 other PAR1')) }]),
    ).rejects.toThrow(RunAlreadyPublishedError);
    expect(readFileSync(join(root, path), 'utf8')).toBe('PAR1 first PAR1');
    // No hidden temporary file is left beside it.
    expect(readdirSync(folder)).toEqual(['colors.parquet']);
  });
});
