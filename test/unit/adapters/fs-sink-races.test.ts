/**
 * Two runs of one as-of date publishing to one folder at once. The folder's pointer swap is
 * lock-free (lambdas/adapters/fs-pointer.ts); these tests hold one run's rename of latest.json back
 * while the other publishes, so the older run's pointer lands last, and check that latest.json
 * still ends on the newer run.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import type { OutputFile, PublishRequest } from '../../../lambdas/pipeline/ports.js';
import { fsFaults } from '../../helpers/fs-faults.js';
import { fixedRequest } from '../../helpers/publish-requests.js';

vi.mock('node:fs/promises', async (original) => (await import('../../helpers/fs-faults.js')).withFaults(await original()));

function file(name: string, text: string): OutputFile {
  const body = Buffer.from(text);
  return { name, contentType: 'text/plain', chunks: [body], bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

function request(runId: string): PublishRequest {
  const manifest = `${JSON.stringify({ runId, asOf: '2026-11-20', heldBack: null })}\n`;
  return fixedRequest({ asOf: '2026-11-20', runId, files: [file('colors.csv', `${runId}\n`)], manifest: file('manifest.json', manifest) });
}

/** Resolves once `predicate` holds for a recorded filesystem call. */
async function reached(predicate: (call: (typeof fsFaults.calls)[number]) => boolean): Promise<void> {
  for (let waited = 0; !fsFaults.calls.some(predicate); waited += 5) {
    if (waited > 5_000) throw new Error('the publish never reached the awaited step');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pointerRename = (runId: string) => (call: (typeof fsFaults.calls)[number]) =>
  call.op === 'rename' && call.to?.endsWith('latest.json') === true && call.path.includes(`.latest.json.${runId}-`);

describe('racing publishers of one as-of date, on a folder', () => {
  let root: string;
  let dateDir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mp-race-'));
    dateDir = join(root, 'runs', 'as-of=2026-11-20');
    fsFaults.reset(root);
  });
  afterEach(async () => {
    fsFaults.reset('');
    await rm(root, { recursive: true, force: true });
  });

  const latestRunId = async () => (JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8')) as { runId: string }).runId;

  it('an older run whose latest.json rename lands after a newer run published moves the pointer on to the newer run', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN0'));
    fsFaults.inject({ when: pointerRename('RUN1'), fault: { delayMs: 300 } });

    const older = sink.publish(request('RUN1'));
    await reached(pointerRename('RUN1'));
    const newer = await sink.publish(request('RUN2'));
    expect(newer.pointer).toEqual({ status: 'current' });
    expect(await latestRunId()).toBe('RUN2');

    expect((await older).pointer).toEqual({ status: 'newer', runId: 'RUN2' });
    expect(await latestRunId()).toBe('RUN2');
    expect((await readdir(dateDir)).sort()).toEqual(['latest.json', 'run-id=RUN0', 'run-id=RUN1', 'run-id=RUN2']);
  });

  it('a newer run whose rename is held back still ends as latest while an older run publishes', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN0'));
    fsFaults.inject({ when: pointerRename('RUN2'), fault: { delayMs: 300 } });

    const newer = sink.publish(request('RUN2'));
    await reached(pointerRename('RUN2'));
    const older = await sink.publish(request('RUN1'));
    expect(older.pointer).toEqual({ status: 'newer', runId: 'RUN2' });

    expect((await newer).pointer).toEqual({ status: 'current' });
    expect(await latestRunId()).toBe('RUN2');
  });
});
