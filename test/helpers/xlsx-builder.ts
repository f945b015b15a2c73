/**
 * Builds .xlsx workbooks for tests from their XML, cell by cell, so a test states exactly how each
 * cell is stored (shared or inline string, number, date style, formula with or without a cached
 * value, error, the 1904 date system) without going through the reader's own library. Also builds
 * the zips a workbook reader must refuse (declared sizes that lie).
 */
import { deflateRawSync } from 'node:zlib';

/** A cell as stored: `t` is the XML type attribute, `s` the style (1 = a date format, 2 = date-time). */
export interface XCell {
  readonly t?: 's' | 'n' | 'str' | 'inlineStr' | 'b' | 'e';
  /** The stored value: for `s`, the shared string itself (its index is assigned here). */
  readonly v?: string;
  readonly f?: string;
  /** `<f t="shared" si="…">`: a shared formula (the first cell holds the text). */
  readonly sharedFormula?: { readonly si: number; readonly ref?: string };
  readonly s?: 1 | 2;
}

export type XRow = readonly (XCell | string | number | null)[];

export interface XSheet {
  readonly name: string;
  /** Rows from row 1 (or `firstRow`); a null row is left out of the XML (an empty row). */
  readonly rows: readonly (XRow | null)[];
  readonly firstRow?: number;
}

export const text = (v: string): XCell => ({ t: 's', v });
export const inline = (v: string): XCell => ({ t: 'inlineStr', v });
export const num = (v: number | string): XCell => ({ v: String(v) });
export const dateCell = (serial: number, s: 1 | 2 = 1): XCell => ({ v: String(serial), s });

const escapeXml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** The parts of a workbook with these sheets. Plain strings are shared strings, numbers are numbers. */
export function workbookParts(sheets: readonly XSheet[], options: { readonly date1904?: boolean } = {}): Record<string, string> {
  const shared: string[] = [];
  const sharedIndex = new Map<string, number>();
  const share = (value: string) => {
    let index = sharedIndex.get(value);
    if (index === undefined) {
      index = shared.push(value) - 1;
      sharedIndex.set(value, index);
    }
    return index;
  };
  const parts: Record<string, string> = {};
  sheets.forEach((sheet, sheetIndex) => {
    const rows = sheet.rows
      .map((row, rowIndex) => {
        if (row === null) return '';
        const r = (sheet.firstRow ?? 1) + rowIndex;
        const cells = row
          .map((given, col) => {
            if (given === null) return '';
            const cell: XCell = typeof given === 'string' ? text(given) : typeof given === 'number' ? num(given) : given;
            const ref = `${columnLetter(col)}${r}`;
            const attrs = `r="${ref}"${cell.t && cell.t !== 'n' ? ` t="${cell.t}"` : ''}${cell.s ? ` s="${cell.s}"` : ''}`;
            const formula = cell.sharedFormula
              ? `<f t="shared" si="${cell.sharedFormula.si}"${cell.sharedFormula.ref ? ` ref="${cell.sharedFormula.ref}"` : ''}>${escapeXml(cell.f ?? '')}</f>`
              : cell.f !== undefined
                ? `<f>${escapeXml(cell.f)}</f>`
                : '';
            if (cell.t === 'inlineStr') return `<c ${attrs}><is><t>${escapeXml(cell.v ?? '')}</t></is></c>`;
            const value = cell.v === undefined ? '' : `<v>${cell.t === 's' ? share(cell.v) : escapeXml(cell.v)}</v>`;
            return `<c ${attrs}>${formula}${value}</c>`;
          })
          .join('');
        return `<row r="${r}">${cells}</row>`;
      })
      .join('');
    parts[`xl/worksheets/sheet${sheetIndex + 1}.xml`] =
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;
  });
  const sheetEntries = sheets
    .map((sheet, index) => `<sheet name="${escapeXml(sheet.name)}" sheetId="${index + 1}" r:id="rId${index + 1}"/>`)
    .join('');
  const sheetRels = sheets
    .map(
      (_, index) =>
        `<Relationship Id="rId${index + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${index + 1}.xml"/>`,
    )
    .join('');
  const n = sheets.length;
  const head = {
    '[Content_Types].xml':
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
      sheets
        .map(
          (_, index) =>
            `<Override PartName="/xl/worksheets/sheet${index + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
        )
        .join('') +
      `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr${options.date1904 ? ' date1904="1"' : ''}/><sheets>${sheetEntries}</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheetRels}` +
      `<Relationship Id="rId${n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId${n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
  };
  // The sheets, then styles and shared strings: the order Excel writes its parts in.
  return {
    ...head,
    ...parts,
    'xl/styles.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>',
    // Written after the sheets, as Excel orders its parts.
    'xl/sharedStrings.xml': '',
  };
}

/** The workbook's bytes: its parts in the order Excel writes them, shared strings after the sheets. */
export function buildWorkbook(sheets: readonly XSheet[], options: { readonly date1904?: boolean } = {}): Buffer {
  const parts = workbookParts(sheets, options);
  const shared = sharedStringsOf(sheets);
  parts['xl/sharedStrings.xml'] =
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${shared.length}" uniqueCount="${shared.length}">` +
    shared.map((value) => `<si><t xml:space="preserve">${escapeXml(value)}</t></si>`).join('') +
    '</sst>';
  return zip(Object.entries(parts).map(([name, content]) => ({ name, data: Buffer.from(content, 'utf8') })));
}

/** The shared strings in the order workbookParts numbers them. */
function sharedStringsOf(sheets: readonly XSheet[]): string[] {
  const seen = new Set<string>();
  for (const sheet of sheets) {
    for (const row of sheet.rows) {
      for (const given of row ?? []) {
        const value =
          typeof given === 'string' ? given : given !== null && typeof given === 'object' && given.t === 's' ? given.v : undefined;
        if (value !== undefined) seen.add(value);
      }
    }
  }
  return [...seen];
}

export interface ZipPart {
  readonly name: string;
  readonly data: Buffer;
  /** Declare this uncompressed size instead of the real one (a lying archive). */
  readonly declaredSize?: number;
}

/** A zip of the parts, deflated, with a central directory. */
export function zip(parts: readonly ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const stored = deflateRawSync(part.data);
    const crc = crc32(part.data);
    const size = part.declaredSize ?? part.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
