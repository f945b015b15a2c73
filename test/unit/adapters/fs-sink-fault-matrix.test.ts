/**
 * The folder publish fault matrix, through the CLI (`market-pulse run`, in process): every rename
 * and every fsync of a publish fails with ENOSPC or EIO, once or from then on; every write fails
 * with ENOSPC (the disk fills up), the pointer step included; latest.json is a directory. Each case
 * is judged from the folder's side — complete, or nothing visible, or complete-but-not-promoted and
 * reported as such — against the exit code and message, and a run after the fault must publish.
 * Totals are in docs/publishing.md.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bin/cli/main.js';
import { type FsCall, type FsFaultRule, fsFaults } from '../../helpers/fs-faults.js';
import {
  agrees,
  type CaseResult,
  claimOfCli,
  expectMatrixTotals,
  type StoreView,
  tally,
  type Visible,
  visibleState,
} from '../../helpers/publish-outcomes.js';

vi.mock('node:fs/promises', async (original) => (await import('../../helpers/fs-faults.js')).withFaults(await original()));

const AS_OF = '2026-11-20';
let work: string;
let input: string;
let out: string;
let dateDir: string;
const results: CaseResult[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mp-fs-matrix-'));
  // The sample's first 200 rows: a real run, small enough for a hundred publishes.
  input = join(work, 'colors.csv');
  await writeFile(input, `${(await readFile('samples/colors.csv', 'utf8')).split('\n').slice(0, 201).join('\n')}\n`);
  out = join(work, 'out');
  dateDir = join(out, 'runs', `as-of=${AS_OF}`);
});
afterAll(async () => {
  fsFaults.reset('');
  await rm(work, { recursive: true, force: true });
});

async function cli(): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(['run', '--input', input, '--config', 'samples/config.json', '--out', out, '--as-of', AS_OF], {
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const readText = (path: string) => readFile(path, 'utf8').catch(() => null);

function folderView(runId: string): StoreView {
  return {
    manifest: () => readText(join(dateDir, `run-id=${runId}`, 'manifest.json')),
    file: (name) => readFile(join(dateDir, `run-id=${runId}`, name)).catch(() => null),
    latest: () => readText(join(dateDir, 'latest.json')),
  };
}

const runIdIn = (text: string) => /run(?:-id=| )([0-9A-HJKMNP-TV-Z]{26})/.exec(text)?.[1];

/**
 * One case: a run under `rules`, judged, then a run without faults, which must publish (and is the
 * good run latest.json names when the next case starts).
 */
async function runCase(name: string, prepare: () => Promise<void>, rules: FsFaultRule[]): Promise<CaseResult> {
  await prepare();
  const before = await readText(join(dateDir, 'latest.json'));

  fsFaults.reset(out);
  fsFaults.inject(...rules);
  const faulted = await cli();
  fsFaults.reset('');
  const runId = runIdIn(`${faulted.stdout}\n${faulted.stderr}`);
  expect(runId, `${name}: the run names itself (${faulted.stderr})`).toBeDefined();
  const claim = claimOfCli(faulted.code, faulted.stderr);
  const visible = await visibleState(folderView(runId!), runId!, before);
  // An interrupted publish cleans up after itself; what a killed one leaves, the next run sweeps.
  const leftovers = (await readdir(dateDir)).filter((entry) => entry.startsWith('.'));
  expect(leftovers, name).toEqual([]);

  if ((await stat(join(dateDir, 'latest.json'))).isDirectory()) await rm(join(dateDir, 'latest.json'), { recursive: true });
  const latestNow = await readText(join(dateDir, 'latest.json'));
  const next = await cli();
  const nextId = runIdIn(next.stdout);
  const after: Visible = next.code === 0 && nextId ? await visibleState(folderView(nextId), nextId, latestNow) : 'inconsistent';
  const result: CaseResult = { name, claim, visible, after };
  expect(agrees(claim, visible), `${name}: exit ${faulted.code} "${faulted.stderr}" but the folder shows ${visible}`).toBe(true);
  expect(after, `${name}: the next run`).toBe('complete');
  return result;
}

/** The renames, fsyncs and writes of a publish without faults, in order. */
async function probe(): Promise<FsCall[]> {
  expect((await cli()).code).toBe(0);
  fsFaults.reset(out);
  expect((await cli()).code).toBe(0);
  const calls = [...fsFaults.calls];
  fsFaults.reset('');
  return calls;
}

describe('publishing to a folder under injected filesystem errors', () => {
  it('ends complete or with nothing visible, says which, and the next run publishes', async () => {
    const calls = await probe();
    const targets = calls.filter((call) => call.op !== 'write');
    expect(targets.filter((call) => call.op === 'rename')).toHaveLength(2); // the run folder, latest.json
    expect(targets.filter((call) => call.op === 'fsync').length).toBeGreaterThanOrEqual(6); // each file, the staging folder, the pointer

    for (const call of targets) {
      for (const code of ['ENOSPC', 'EIO'] as const) {
        const what = `${code} on ${call.op} #${call.index} (${call.path.split('/').at(-1)})`;
        results.push(
          await runCase(`${what}, once`, async () => {}, [{ when: (c) => c.op === call.op && c.index === call.index, fault: code }]),
        );
        results.push(
          await runCase(`${what}, from then on`, async () => {}, [{ when: (c) => c.op === call.op && c.index >= call.index, fault: code }]),
        );
      }
    }
    for (const call of calls.filter((c) => c.op === 'write')) {
      const what = `disk full (ENOSPC) on write #${call.index} (${call.path.split('/').at(-1)})`;
      results.push(
        await runCase(`${what}, once`, async () => {}, [{ when: (c) => c.op === 'write' && c.index === call.index, fault: 'ENOSPC' }]),
      );
      results.push(
        await runCase(`${what}, from then on`, async () => {}, [
          { when: (c) => c.op === 'write' && c.index >= call.index, fault: 'ENOSPC' },
        ]),
      );
    }
    results.push(
      await runCase('latest.json is a directory', async () => {
        await rm(join(dateDir, 'latest.json'));
        await mkdir(join(dateDir, 'latest.json'));
      }, []),
    );

    const totals = tally(results);
    if (process.env.MATRIX_DETAIL) for (const r of results) console.info(`${r.name}: ${r.claim} / ${r.visible} / ${r.after}`);
    expectMatrixTotals(totals, 'folder, CLI');
  });
});
