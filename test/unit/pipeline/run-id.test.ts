import { describe, expect, it } from 'vitest';
import { isRunId, newRunId, scheduledRunId } from '../../../lambdas/pipeline/run-id.js';

describe('newRunId', () => {
  it('encodes the time in the first 10 characters (Crockford base32)', () => {
    // The ULID spec's example time: 1469918176385 ms → 01ARYZ6S41.
    expect(newRunId(1469918176385, new Uint8Array(10)).slice(0, 10)).toBe('01ARYZ6S41');
    expect(newRunId(0, new Uint8Array(10))).toBe('0'.repeat(26));
    expect(newRunId(0, new Uint8Array(10).fill(255)).slice(10)).toBe('Z'.repeat(16));
  });

  it('sorts in time order as text', () => {
    const ids = [1, 2, 1000, 1_700_000_000_000, 2 ** 48 - 1].map((t) => newRunId(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is a valid ULID and differs between calls', () => {
    const a = newRunId();
    const b = newRunId();
    expect(isRunId(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(isRunId('not-a-run-id')).toBe(false);
  });
});

describe('scheduledRunId', () => {
  it('is the same for every delivery of one scheduled time and differs between times', () => {
    const at = new Date('2026-11-20T23:00:00Z');
    expect(scheduledRunId(new Date(at))).toBe(scheduledRunId(at));
    expect(scheduledRunId(new Date('2026-11-21T23:00:00Z'))).not.toBe(scheduledRunId(at));
    expect(isRunId(scheduledRunId(at))).toBe(true);
  });

  it('carries the scheduled time, so scheduled and manual ids sort together by time', () => {
    const at = new Date('2026-11-20T23:00:00Z');
    expect(scheduledRunId(at).slice(0, 10)).toBe(newRunId(at.getTime()).slice(0, 10));
  });
});
