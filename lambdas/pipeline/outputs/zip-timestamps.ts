/**
 * Sets every entry time of a zip archive to one instant. A zip records when each entry was added
 * (MS-DOS date and time, in its local header and again in the central directory); the library
 * that writes colors.xlsx stamps the current time, which would make every run's workbook, and its
 * SHA-256 in the manifest, differ. The times are plain fields outside every checksum.
 */
import { readCentralDirectory } from '../readers/workbook-guard.js';

/** `bytes` (changed in place, and returned) with every entry dated `at` (UTC, 2-second precision). */
export function fixZipTimestamps(bytes: Buffer, at: Date): Buffer {
  const fail = (reason: string): never => {
    throw new Error(`the workbook just written is no well-formed zip: ${reason}`);
  };
  const time = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2);
  const date = ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  for (const entry of readCentralDirectory(bytes, fail, Number.MAX_SAFE_INTEGER)) {
    bytes.writeUInt16LE(time, entry.localHeaderOffset + 10);
    bytes.writeUInt16LE(date, entry.localHeaderOffset + 12);
    bytes.writeUInt16LE(time, entry.centralHeaderOffset + 12);
    bytes.writeUInt16LE(date, entry.centralHeaderOffset + 14);
  }
  return bytes;
}
