/**
 * Puts a workbook's parts in the order a streaming reader needs them. exceljs's streaming reader
 * reads the zip front to back and resolves each sheet's shared strings and date styles from parts
 * it has already read; Excel writes the sheets before those parts, and the reader then copies each
 * sheet to a temporary file to read it later, and with more than one sheet loses the shared
 * strings altogether (every text cell comes back as an index). Moving the workbook, relationship,
 * style and shared-string parts to the front avoids both, with no file system. The bytes of each
 * part are copied unchanged; only the offsets in the directory are rewritten.
 */
import type { ZipEntry } from './workbook-guard.js';

/** The parts every sheet depends on, in this order, ahead of all others. */
const FIRST = [
  '[Content_Types].xml',
  '_rels/.rels',
  'xl/workbook.xml',
  'xl/_rels/workbook.xml.rels',
  'xl/styles.xml',
  'xl/sharedStrings.xml',
];

/** The zip in `bytes` (whose directory lists `entries`) with the shared parts first. */
export function sharedPartsFirst(bytes: Buffer, entries: readonly ZipEntry[]): Buffer {
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  const directoryStart = Math.min(...entries.map((entry) => entry.centralHeaderOffset));
  // An entry's stored span runs to the next entry's local header (a data descriptor included).
  const spans = new Map(
    byOffset.map((entry, index) => [
      entry,
      bytes.subarray(entry.localHeaderOffset, byOffset[index + 1]?.localHeaderOffset ?? directoryStart),
    ]),
  );
  const rank = (entry: ZipEntry) => {
    const at = FIRST.indexOf(entry.name.replace(/^\//, ''));
    return at < 0 ? FIRST.length : at;
  };
  const ordered = [...entries].sort((a, b) => rank(a) - rank(b) || a.localHeaderOffset - b.localHeaderOffset);
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of ordered) {
    const span = spans.get(entry)!;
    const header = Buffer.from(bytes.subarray(entry.centralHeaderOffset, entry.centralHeaderOffset + centralHeaderLength(bytes, entry)));
    header.writeUInt32LE(offset, 42);
    parts.push(span);
    directory.push(header);
    offset += span.length;
  }
  const central = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(ordered.length, 8);
  end.writeUInt16LE(ordered.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, central, end]);
}

function centralHeaderLength(bytes: Buffer, entry: ZipEntry): number {
  const at = entry.centralHeaderOffset;
  return 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
}
