/**
 * Run ids. A manual run gets a ULID (time-ordered, so run-id folders list in start order); the
 * random part comes from the caller so tests can pin it.
 */
import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newRunId(now: number = Date.now(), random: Uint8Array = randomBytes(10)): string {
  if (!Number.isSafeInteger(now) || now < 0 || now >= 2 ** 48) throw new RangeError(`time ${now} cannot be encoded in a ULID`);
  if (random.length < 10) throw new RangeError('a ULID needs 10 random bytes');
  let time = '';
  let rest = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32]! + time;
    rest = Math.floor(rest / 32);
  }
  let bits = 0n;
  for (let i = 0; i < 10; i++) bits = (bits << 8n) | BigInt(random[i]!);
  let entropy = '';
  for (let i = 0; i < 16; i++) {
    entropy = CROCKFORD[Number(bits & 31n)]! + entropy;
    bits >>= 5n;
  }
  return time + entropy;
}

/**
 * The run id of a scheduled run: a ULID whose time is the schedule's time and whose random part is
 * derived from it, so every delivery of one scheduled invocation (Scheduler delivers at least once)
 * names the same run and finds it already published instead of running again.
 */
export function scheduledRunId(scheduledTime: Date): string {
  const seed = createHash('sha256').update(`scheduled:${scheduledTime.toISOString()}`).digest();
  return newRunId(scheduledTime.getTime(), seed.subarray(0, 10));
}

export function isRunId(value: string): boolean {
  return ULID.test(value);
}
