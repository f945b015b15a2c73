/**
 * Checks that bytes given as an .xlsx workbook are one, and one the reader may open with bounded
 * memory, before any parser sees them (docs/configuration.md, "Excel workbooks"). An .xlsx file is
 * a zip archive; its central directory (at the end) declares every entry's sizes. The guard reads
 * that directory, refuses what is not a workbook (a renamed CSV, a password-protected file, an
 * old .xls) and what is too large or compresses suspiciously well (a zip bomb), then inflates every
 * entry once, counting, and stops at the first that yields more than it declared: the parser can
 * then trust the declared sizes. Every refusal is a SourceError with a one-line reason.
 */
import { createInflateRaw } from 'node:zlib';
import { SourceError } from '../../errors.js';
import { MIB } from '../text.js';

export interface WorkbookLimits {
  /** Largest workbook file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Largest total of the entries' uncompressed sizes. */
  readonly maxUncompressedBytes: number;
  /** Largest uncompressed/compressed ratio of an entry above {@link RATIO_FLOOR_BYTES}. */
  readonly maxRatio: number;
  readonly maxEntries: number;
}

export const WORKBOOK_LIMITS: WorkbookLimits = {
  maxFileBytes: 64 * MIB,
  maxUncompressedBytes: 512 * MIB,
  maxRatio: 100,
  maxEntries: 10_000,
};

/** Small entries may compress very well (an empty sheet); the ratio is checked above this size. */
const RATIO_FLOOR_BYTES = MIB;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  readonly centralHeaderOffset: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const STORED = 0;
const DEFLATED = 8;
/** An OLE2 compound file: how Office stores a password-protected workbook, and the old .xls format. */
const COMPOUND_FILE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** The stream an encrypted Office file carries, named in UTF-16LE inside the compound file. */
const ENCRYPTION_INFO = Buffer.from('EncryptionInfo', 'utf16le');

/** Refuses bytes that are not a workbook or exceed the limits; returns the zip's entries. */
export async function checkWorkbookBytes(
  bytes: Buffer,
  source: string,
  limits: WorkbookLimits = WORKBOOK_LIMITS,
): Promise<readonly ZipEntry[]> {
  const fail = (reason: string): never => {
    throw new SourceError(`${source}: ${reason}`);
  };
  if (bytes.length > limits.maxFileBytes)
    fail(`the workbook is ${bytes.length} bytes; at most ${limits.maxFileBytes} are read (${limits.maxFileBytes / MIB} MiB)`);
  if (bytes.subarray(0, 8).equals(COMPOUND_FILE)) {
    fail(
      bytes.includes(ENCRYPTION_INFO)
        ? 'the workbook is password-protected (encrypted); save a copy without a password and read that'
        : 'this is an Excel 97-2003 (.xls) file, not an .xlsx workbook; save it as .xlsx',
    );
  }
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== LOCAL_HEADER) fail(`not an .xlsx workbook (${describeStart(bytes)})`);
  const entries = readCentralDirectory(bytes, fail, limits.maxEntries);
  const names = new Set(entries.map((entry) => entry.name));
  if (!names.has('xl/workbook.xml')) {
    fail(
      names.has('xl/workbook.bin')
        ? 'this is a binary (.xlsb) workbook; save it as .xlsx'
        : 'a zip file, but not an .xlsx workbook (it has no xl/workbook.xml)',
    );
  }
  let total = 0;
  for (const entry of entries) {
    if ((entry.flags & 1) !== 0) fail(`the workbook's part ${entry.name} is encrypted; save a copy without a password and read that`);
    if (entry.method !== STORED && entry.method !== DEFLATED)
      fail(`the workbook's part ${entry.name} uses zip compression method ${entry.method}, which is not read`);
    total += entry.uncompressedSize;
    if (total > limits.maxUncompressedBytes) {
      fail(`the workbook unpacks to more than ${limits.maxUncompressedBytes / MIB} MiB, more than is read; split it or use CSV`);
    }
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES && ratio > limits.maxRatio) {
      fail(
        `the workbook's part ${entry.name} unpacks ${Math.round(ratio)} times larger than it is stored (at most ${limits.maxRatio}): a zip bomb?`,
      );
    }
  }
  for (const entry of entries) await checkInflatedSize(bytes, entry, fail);
  return entries;
}

/** What the bytes look like instead, for the error: a renamed text file is the common case. */
function describeStart(bytes: Buffer): string {
  if (bytes.length === 0) return 'the file is empty';
  const head = bytes.subarray(0, 512);
  const text = head.every((byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || byte >= 0x20);
  return text ? 'it is text, not a zip file: a CSV renamed to .xlsx? Give it its own extension' : 'it is not a zip file';
}

/**
 * The entries a zip's central directory lists; `fail` is called with the reason when the bytes are
 * no well-formed zip.
 */
export function readCentralDirectory(bytes: Buffer, fail: (reason: string) => never, maxEntries: number): ZipEntry[] {
  const damaged = (what: string) => fail(`the workbook's zip structure is damaged or truncated (${what})`);
  // The end record is the last 22 bytes, followed by a comment of at most 65,535 bytes.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (bytes.readUInt32LE(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) damaged('no end of central directory');
  const count = bytes.readUInt16LE(end + 10);
  const size = bytes.readUInt32LE(end + 12);
  const offset = bytes.readUInt32LE(end + 16);
  if (count === 0xffff || offset === 0xffffffff) fail('the workbook is a ZIP64 archive (over 4 GB or 65,535 parts), larger than is read');
  if (count > maxEntries) fail(`the workbook has ${count} parts; at most ${maxEntries} are read`);
  if (offset + size > end) damaged('the central directory lies outside the file');
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let index = 0; index < count; index++) {
    if (at + 46 > end || bytes.readUInt32LE(at) !== CENTRAL_HEADER) damaged(`entry ${index + 1} of the central directory`);
    const nameLength = bytes.readUInt16LE(at + 28);
    const entry: ZipEntry = {
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      uncompressedSize: bytes.readUInt32LE(at + 24),
      localHeaderOffset: bytes.readUInt32LE(at + 42),
      centralHeaderOffset: at,
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
    };
    if (entry.localHeaderOffset + 30 > offset || entry.localHeaderOffset + entry.compressedSize > offset) damaged(`the part ${entry.name}`);
    entries.push(entry);
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

/** Where an entry's stored bytes start: after its local header, whose name and extra field lengths may differ from the directory's. */
export function entryDataOffset(bytes: Buffer, entry: ZipEntry): number {
  const at = entry.localHeaderOffset;
  if (bytes.readUInt32LE(at) !== LOCAL_HEADER) throw new Error(`no local header for ${entry.name}`);
  return at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
}

/** Inflates the entry, counting, and stops as soon as it yields more than it declared. */
async function checkInflatedSize(bytes: Buffer, entry: ZipEntry, fail: (reason: string) => never): Promise<void> {
  let start: number;
  try {
    start = entryDataOffset(bytes, entry);
  } catch {
    return fail(`the workbook's zip structure is damaged or truncated (the part ${entry.name})`);
  }
  const stored = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === STORED) {
    if (stored.length !== entry.uncompressedSize) fail(`the workbook's part ${entry.name} is stored with a size other than it declares`);
    return;
  }
  const outcome = await new Promise<'ok' | 'larger' | 'smaller' | string>((resolve) => {
    const inflate = createInflateRaw();
    let produced = 0;
    inflate.on('data', (chunk: Buffer) => {
      produced += chunk.length;
      if (produced > entry.uncompressedSize) {
        inflate.destroy();
        resolve('larger');
      }
    });
    inflate.on('error', (error) => resolve(error.message));
    inflate.on('end', () => resolve(produced === entry.uncompressedSize ? 'ok' : 'smaller'));
    inflate.end(stored);
  });
  if (outcome === 'larger')
    fail(`the workbook's part ${entry.name} unpacks to more than the ${entry.uncompressedSize} bytes it declares: a zip bomb?`);
  if (outcome === 'smaller') fail(`the workbook's part ${entry.name} unpacks to fewer bytes than it declares: damaged?`);
  if (outcome !== 'ok') fail(`the workbook's part ${entry.name} cannot be unpacked (${outcome}): damaged?`);
}
