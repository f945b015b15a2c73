import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LatestPointer,
  latestPointer,
  movePointerForward,
  PointerMoveError,
  type PointerStore,
  parsePointer,
  pointerDecision,
  type StoredRun,
} from '../../../lambdas/pipeline/latest-pointer.js';

const run = (runId: string): StoredRun => ({ asOf: '2026-11-20', runId, manifestSha256: 'f'.repeat(64) });
const at = (target: StoredRun) => () => latestPointer(target, new Date('2026-11-20T23:00:00Z'));
const noWait = { attempts: 3, delayMs: 0, sleep: async () => {} };

/** latest.json in memory, with a true compare-and-swap on a version counter. */
class MemoryPointer implements PointerStore<number> {
  pointer: LatestPointer | null = null;
  version = 0;
  reads = 0;
  writes = 0;
  failReads = 0;
  /** Reads after this many succeed fail. */
  readsThatWork = Infinity;
  failWrites = 0;
  /** A write that fails after it was applied (a lost response). */
  lostWrites = 0;

  constructor(private readonly gate: () => Promise<void> = async () => {}) {}

  async read() {
    await this.gate();
    this.reads++;
    if (this.failReads-- > 0 || this.reads > this.readsThatWork) throw new Error('read failed');
    return this.pointer === null ? null : { pointer: this.pointer, version: this.version };
  }

  async write(pointer: LatestPointer, expected: number | null) {
    await this.gate();
    this.writes++;
    if (this.failWrites-- > 0) throw new Error('write failed');
    if ((expected === null) !== (this.pointer === null) || (expected !== null && expected !== this.version)) return 'changed' as const;
    this.pointer = pointer;
    this.version++;
    await this.gate();
    if (this.lostWrites-- > 0) throw new Error('response lost');
    return 'written' as const;
  }
}

describe('pointerDecision', () => {
  it('writes over nothing or an older run, and leaves this or a newer run', () => {
    expect(pointerDecision(null, 'B')).toBe('write');
    expect(pointerDecision(latestPointer(run('A'), new Date()), 'B')).toBe('write');
    expect(pointerDecision(latestPointer(run('B'), new Date()), 'B')).toEqual({ status: 'current' });
    expect(pointerDecision(latestPointer(run('C'), new Date()), 'B')).toEqual({ status: 'newer', runId: 'C' });
  });

  it('run ids compare as time-ordered ULIDs: a later one is greater', () => {
    const earlier = '01M8Q9YGVE8TSJQYJ9RA6B2HCD';
    const later = '01M8Q9YJ28F80ASYJCDK4ZH9AJ';
    expect(pointerDecision(latestPointer(run(earlier), new Date()), later)).toBe('write');
    expect(pointerDecision(latestPointer(run(later), new Date()), earlier)).toEqual({ status: 'newer', runId: later });
  });
});

describe('parsePointer', () => {
  it('reads a pointer and refuses anything else', () => {
    expect(parsePointer(JSON.stringify(latestPointer(run('A'), new Date(0))))?.runId).toBe('A');
    for (const text of ['', 'nope', '{}', '{"runId":""}', '{"runId":7}', 'null']) expect(parsePointer(text)).toBeNull();
  });
});

describe('movePointerForward', () => {
  it('retries a failed write and confirms a lost response by reading', async () => {
    const store = new MemoryPointer();
    store.lostWrites = 1;
    expect(await movePointerForward(store, run('B'), at(run('B')), noWait)).toEqual({ status: 'current' });
    expect(store.pointer?.runId).toBe('B');
    expect(store.writes).toBe(1);
  });

  it('gives up after the attempts, saying what it last saw and that nothing uncertain happened', async () => {
    const store = new MemoryPointer();
    store.pointer = latestPointer(run('A'), new Date());
    store.failWrites = 99;
    const error = await movePointerForward(store, run('B'), at(run('B')), noWait).catch((caught: unknown) => caught as PointerMoveError);
    expect(error).toBeInstanceOf(PointerMoveError);
    expect(error).toMatchObject({ message: 'write failed', uncertain: false, seen: { runId: 'A' } });
    expect(store.writes).toBe(3);
  });

  it('says "uncertain" when a write failed and no read could tell what happened', async () => {
    const store = new MemoryPointer();
    store.lostWrites = 1;
    store.readsThatWork = 1;
    const error = await movePointerForward(store, run('B'), at(run('B')), noWait).catch((caught: unknown) => caught as PointerMoveError);
    expect(error).toMatchObject({ uncertain: true, seen: null });
  });

  it('does not retry what the retry policy calls final', async () => {
    const store = new MemoryPointer();
    store.failReads = 99;
    await expect(movePointerForward(store, run('B'), at(run('B')), { ...noWait, retryable: () => false })).rejects.toThrow(
      PointerMoveError,
    );
    expect(store.reads).toBe(1);
  });

  it('never ends on an older run, whatever the interleaving of concurrent writers', async () => {
    const runIds = fc.uniqueArray(fc.stringMatching(/^[0-9A-Z]{4}$/), { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        runIds,
        fc.option(fc.stringMatching(/^[0-9A-Z]{4}$/), { nil: undefined }),
        async (s, ids, initial) => {
          const store = new MemoryPointer(() => s.schedule(Promise.resolve()));
          if (initial !== undefined) store.pointer = latestPointer(run(initial), new Date(0));
          const writers = ids.map((id) => movePointerForward(store, run(id), at(run(id)), noWait));
          const outcomes = await s.waitFor(Promise.all(writers));
          const newest = [...ids, ...(initial === undefined ? [] : [initial])].sort().at(-1)!;
          expect(store.pointer?.runId).toBe(newest);
          // A writer that stepped aside names a run newer than its own.
          outcomes.forEach((outcome, i) => {
            if (outcome.status === 'newer') expect(outcome.runId > ids[i]!).toBe(true);
          });
          expect(outcomes[ids.indexOf(newest)]).toEqual(ids.includes(newest) ? { status: 'current' } : undefined);
        },
      ),
      { numRuns: 200 },
    );
  });
});
