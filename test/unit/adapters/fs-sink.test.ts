import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsSink } from '../../../lambdas/adapters/fs-sink.js';
import { PublishError, RunAlreadyPublishedError } from '../../../lambdas/errors.js';
import type { Log } from '../../../lambdas/log.js';
import type { OutputFile } from '../../../lambdas/pipeline/ports.js';
import { type FixedRequest, fixedRequest } from '../../helpers/publish-requests.js';

function file(name: string, text: string): OutputFile {
  const body = Buffer.from(text);
  return {
    name,
    contentType: 'text/plain',
    chunks: [body.subarray(0, 3), body.subarray(3)],
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
}

function request(runId: string, holdBack: string | null = null, asOf = '2026-11-20', manifest?: OutputFile): FixedRequest {
  return fixedRequest({
    asOf,
    runId,
    files: [file('colors.csv', 'a,b\n1,2\n'), file('excluded.csv', 'a\n')],
    manifest: manifest ?? file('manifest.json', `${JSON.stringify({ runId, asOf, heldBack: holdBack })}\n`),
    holdBack,
  });
}

const latestOf = async (dateDir: string) => JSON.parse(await readFile(join(dateDir, 'latest.json'), 'utf8')) as { runId: string };

describe('FsSink', () => {
  let root: string;
  let dateDir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mp-sink-'));
    dateDir = join(root, 'runs', 'as-of=2026-11-20');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('publishes every file under the run folder and points latest.json at it', async () => {
    const sink = new FsSink(root, { now: () => new Date('2026-11-20T23:00:00Z') });
    const published = await sink.publish(request('RUN1'));
    const runDir = join(dateDir, 'run-id=RUN1');
    expect(published).toEqual({ location: runDir, latest: join(dateDir, 'latest.json'), pointer: { status: 'current' } });
    expect((await readdir(runDir)).sort()).toEqual(['colors.csv', 'excluded.csv', 'manifest.json']);
    expect(await readFile(join(runDir, 'colors.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(await latestOf(dateDir)).toEqual({
      asOf: '2026-11-20',
      runId: 'RUN1',
      manifest: 'run-id=RUN1/manifest.json',
      manifestSha256: request('RUN1').manifestFile.sha256,
      publishedAt: '2026-11-20T23:00:00.000Z',
    });
    // Nothing is left behind but the run folder and the pointer.
    expect((await readdir(dateDir)).sort()).toEqual(['latest.json', 'run-id=RUN1']);
  });

  it('gives folders and files the permissions of the umask, like latest.json, not 0700', async () => {
    const umask = process.umask();
    await new FsSink(root).publish(request('RUN1'));
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(join(dateDir, 'run-id=RUN1'))).toBe(0o777 & ~umask);
    expect(await mode(join(dateDir, 'run-id=RUN1', 'colors.csv'))).toBe(0o666 & ~umask);
    expect(await mode(join(dateDir, 'latest.json'))).toBe(0o666 & ~umask);
  });

  it('moves latest.json to a newer run, never back to an older one, and keeps every run intact', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN2'));
    expect((await sink.publish(request('RUN1'))).pointer).toEqual({ status: 'newer', runId: 'RUN2' });
    expect((await latestOf(dateDir)).runId).toBe('RUN2');
    expect((await sink.publish(request('RUN3'))).pointer).toEqual({ status: 'current' });
    expect((await latestOf(dateDir)).runId).toBe('RUN3');
    expect(await readFile(join(dateDir, 'run-id=RUN1', 'manifest.json'), 'utf8')).toContain('"RUN1"');
  });

  it('publishes a held-back run without moving latest.json', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    const held = await sink.publish(request('RUN2', 'no ranked rows'));
    expect(held.pointer).toEqual({ status: 'held-back', reason: 'no ranked rows' });
    expect((await readdir(join(dateDir, 'run-id=RUN2'))).sort()).toEqual(['colors.csv', 'excluded.csv', 'manifest.json']);
    expect((await latestOf(dateDir)).runId).toBe('RUN1');
  });

  it('reads back the manifest of a stored run, and null for an unknown one', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    expect(await sink.readManifest('2026-11-20', 'RUN1')).toContain('"runId":"RUN1"');
    expect(await sink.readManifest('2026-11-20', 'RUN9')).toBeNull();
    expect(await sink.readManifest('2026-11-21', 'RUN1')).toBeNull();
  });

  it('never overwrites a published run; the same run again is finished, not rewritten', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    const other = request('RUN1', null, '2026-11-20', file('manifest.json', 'other\n'));
    await expect(sink.publish(other)).rejects.toThrow(RunAlreadyPublishedError);
    expect((await sink.publish(request('RUN1'))).pointer).toEqual({ status: 'current' });
    expect(await readFile(join(dateDir, 'run-id=RUN1', 'colors.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('movePointer finishes a stored run whose pointer move failed', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    await sink.publish(request('RUN2', 'held'));
    const published = await sink.movePointer({ asOf: '2026-11-20', runId: 'RUN3', manifestSha256: 'a'.repeat(64) });
    expect(published.pointer).toEqual({ status: 'current' });
    expect((await latestOf(dateDir)).runId).toBe('RUN3');
  });

  it('leaves no run folder, no staging folder and an unmoved latest.json when a write fails', async () => {
    const sink = new FsSink(root);
    await sink.publish(request('RUN1'));
    // Two data files with the same name make the second exclusive create fail mid-run.
    const broken = fixedRequest({
      ...request('RUN2'),
      manifest: request('RUN2').manifestFile,
      files: [file('colors.csv', 'x\n'), file('colors.csv', 'y\n')],
    });
    const error = (await sink.publish(broken).catch((caught: unknown) => caught)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('nothing');
    expect(error.message).toMatch(
      /^run RUN2 was not published: writing run RUN2 under .* failed: EEXIST.*\. Nothing of the run is visible to readers; latest\.json was not changed$/,
    );
    expect((await readdir(dateDir)).sort()).toEqual(['latest.json', 'run-id=RUN1']);
    expect((await latestOf(dateDir)).runId).toBe('RUN1');
  });

  it('reports latest.json being a directory: the run is complete, the pointer not moved', async () => {
    await mkdir(join(dateDir, 'latest.json'), { recursive: true });
    const sink = new FsSink(root, { pointerRetry: { attempts: 2, delayMs: 1 } });
    const error = (await sink.publish(request('RUN1')).catch((caught: unknown) => caught)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('stored');
    expect(error.message).toMatch(
      /^run RUN1 is complete at .*run-id=RUN1, but .*latest\.json was not moved to it: .*latest\.json is a directory, not a file: move it away so that latest\.json can be written\.$/,
    );
    expect(await readdir(join(dateDir, 'run-id=RUN1'))).toContain('manifest.json');
    expect((await readdir(dateDir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('reports an output folder it cannot create', async () => {
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, 'x');
    await expect(new FsSink(blocker).publish(request('RUN1'))).rejects.toThrow(/cannot create output folder/);
  });

  it('removes what interrupted runs left (their process is gone), and keeps what a live process is writing', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    await mkdir(dateDir, { recursive: true });
    const abandoned = [
      `.staging-RUN0-${gone}-0123456789ab`,
      `.latest.json.RUN0-${gone}-0123456789ab`,
      '.staging-RUN0-AbC123',
      '.latest.json.RUN0',
    ];
    const live = `.staging-RUN5-${process.pid}-0123456789ab`;
    for (const name of [abandoned[0]!, abandoned[2]!, live]) await mkdir(join(dateDir, name));
    await writeFile(join(dateDir, abandoned[0]!, 'colors.csv'), 'partial');
    for (const name of [abandoned[1]!, abandoned[3]!]) await writeFile(join(dateDir, name), '{}');
    const warnings: string[] = [];
    const log: Log = { debug() {}, info() {}, error() {}, warn: (message) => void warnings.push(message) };

    await new FsSink(root, { log }).publish(request('RUN1'));
    expect((await readdir(dateDir)).sort()).toEqual([live, 'latest.json', 'run-id=RUN1'].sort());
    expect(warnings.filter((w) => w.includes('left by an interrupted run'))).toHaveLength(4);
  });
});
