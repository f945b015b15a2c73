import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/errors.js';
import type { RawRecord } from '../../../lambdas/pipeline/ports.js';
import {
  CsvParser,
  type CsvRecord,
  PROBLEM_INVALID_UTF8,
  PROBLEM_QUOTE_IN_UNQUOTED,
  PROBLEM_TEXT_AFTER_QUOTE,
} from '../../../lambdas/pipeline/readers/csv-parser.js';
import { readCsvRecords } from '../../../lambdas/pipeline/readers/csv-reader.js';
import { Utf8ChunkDecoder } from '../../../lambdas/pipeline/readers/utf8-chunk-decoder.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Parses `input` pushed in pieces cut at `cuts` (byte offsets). */
function parse(input: string | Uint8Array, cuts: readonly number[] = [], options = {}): CsvRecord[] {
  const bytes = typeof input === 'string' ? utf8(input) : input;
  const parser = new CsvParser(options);
  const records: CsvRecord[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    records.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  records.push(...parser.push(bytes.subarray(start)));
  records.push(...parser.end());
  return records;
}

const startsWithUtf16Bom = (bytes: Uint8Array): boolean =>
  (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);

const fieldsOf = (records: readonly CsvRecord[]): string[][] => records.map((record) => [...record.fields]);

async function* chunked(text: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === 'string' ? utf8(text) : text;
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function readAll(text: string, size = 7): Promise<{ header: readonly string[]; records: RawRecord[] }> {
  const opened = await readCsvRecords(chunked(text, size), 'in.csv');
  const records: RawRecord[] = [];
  for await (const record of opened.records) records.push(record);
  return { header: opened.header, records };
}

/**
 * The obviously-correct reference: one character at a time over the whole text, with the same
 * decisions as the parser (blank lines skipped, malformed fields kept verbatim, line numbers).
 */
function referenceParse(input: string): CsvRecord[] | { error: string } {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const isEnd = (ch: string | undefined): boolean => ch === ',' || ch === '\n' || ch === '\r';
  let i = 0;
  let line = 1;
  while (i < text.length) {
    if (text[i] === '\n') {
      i++;
      line++;
      continue;
    }
    if (text[i] === '\r') {
      i += text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    let problem: string | undefined;
    for (;;) {
      if (text[i] === '"') {
        const start = i;
        const startLine = line;
        let value = '';
        i++;
        for (;;) {
          if (i >= text.length) return { error: `unterminated quoted field starting on line ${startLine}` };
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
          value += ch;
          i++;
        }
        if (i < text.length && !isEnd(text[i])) {
          while (i < text.length && !isEnd(text[i])) i++;
          value = text.slice(start, i);
          problem ??= PROBLEM_TEXT_AFTER_QUOTE;
        }
        fields.push(value);
      } else {
        const start = i;
        while (i < text.length && !isEnd(text[i])) {
          if (text[i] === '"') problem ??= PROBLEM_QUOTE_IN_UNQUOTED;
          i++;
        }
        fields.push(text.slice(start, i));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push(problem === undefined ? { fields, line: recordLine } : { fields, line: recordLine, problem });
  }
  return records;
}

function parseOrError(input: string, cuts: readonly number[]): CsvRecord[] | { error: string } {
  try {
    return parse(input, cuts);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    return { error: error.message.replace(/^CSV input: /, '') };
  }
}

describe('CsvParser', () => {
  it('reads plain records with LF line ends', () => {
    expect(fieldsOf(parse('a,b,c\n1,2,3\n'))).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('reads CRLF and lone CR line ends', () => {
    expect(fieldsOf(parse('a,b\r\n1,2\r\n'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(fieldsOf(parse('a,b\r1,2\r'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads a final line without a line end, including a trailing empty field', () => {
    expect(fieldsOf(parse('a,b\n1,2'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(fieldsOf(parse('a,b\n1,'))).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
    expect(fieldsOf(parse('a,b\n1,"x"'))).toEqual([
      ['a', 'b'],
      ['1', 'x'],
    ]);
  });

  it('returns empty fields as empty strings', () => {
    expect(fieldsOf(parse(',,\n"",x,\n'))).toEqual([
      ['', '', ''],
      ['', 'x', ''],
    ]);
  });

  it('skips blank lines anywhere, but keeps whitespace as data', () => {
    const records = parse('\n\r\na,b\n\n\n1,2\r\n\r\n \n');
    expect(fieldsOf(records)).toEqual([['a', 'b'], ['1', '2'], [' ']]);
    expect(records.map((record) => record.line)).toEqual([3, 6, 8]);
  });

  it('unquotes quoted fields: "" escapes, commas, CR and LF inside quotes', () => {
    const input = 'a,b\n"x, y","say ""hi"""\n"line1\nline2","cr\r\nlf"\n"""",""""""\n';
    expect(fieldsOf(parse(input))).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['line1\nline2', 'cr\r\nlf'],
      ['"', '""'],
    ]);
  });

  it('counts physical lines through quoted line ends', () => {
    const records = parse('a\n"1\n2\r\n3\r4"\nb\n');
    expect(records.map((record) => record.line)).toEqual([1, 2, 6]);
  });

  it('drops a UTF-8 BOM at the start only', () => {
    expect(fieldsOf(parse('\uFEFFa,b\n1,\uFEFF\n'))).toEqual([
      ['a', 'b'],
      ['1', '\uFEFF'],
    ]);
    // The BOM split byte by byte.
    expect(fieldsOf(parse('\uFEFFa\n', [1, 2]))).toEqual([['a']]);
  });

  it('refuses a UTF-16 input by its byte order mark, however the bytes are cut', async () => {
    for (const encoding of ['utf16le', 'utf16be'] as const) {
      const le = Buffer.from('\uFEFFMESSAGE_ID,CUSIP\n1,A\n', 'utf16le');
      const bytes = encoding === 'utf16le' ? le : Buffer.from(le).swap16();
      for (const size of [1, 2, 3, 4096]) {
        const opening = readCsvRecords(chunked(bytes, size), 'in.csv');
        await expect(opening, `${encoding} in chunks of ${size}`).rejects.toThrow(
          new SourceError('in.csv: the input is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8'),
        );
      }
    }
  });

  it('flags a quote inside an unquoted field and keeps the field as written', () => {
    const records = parse('a,b,c\n1,ab"c,3\n');
    expect(records[1]).toEqual({ fields: ['1', 'ab"c', '3'], line: 2, problem: PROBLEM_QUOTE_IN_UNQUOTED });
    expect(records[0]!.problem).toBeUndefined();
  });

  it('flags text after a closing quote and keeps the field as written', () => {
    const records = parse('a,b,c\n1,"ab"c,3\n2,"x" ,4\n');
    expect(records[1]).toEqual({ fields: ['1', '"ab"c', '3'], line: 2, problem: PROBLEM_TEXT_AFTER_QUOTE });
    expect(records[2]).toEqual({ fields: ['2', '"x" ', '4'], line: 3, problem: PROBLEM_TEXT_AFTER_QUOTE });
  });

  it('does not let a malformed record disturb the next one', () => {
    expect(fieldsOf(parse('1,a"b\n2,"c"d\n3,e\n'))).toEqual([
      ['1', 'a"b'],
      ['2', '"c"d'],
      ['3', 'e'],
    ]);
  });

  it('fails on an unterminated quoted field, naming the line it started on', () => {
    const input = 'a,b\n1,"x\ny"\n2,"never closed\n3,4\n';
    expect(() => parse(input, [], { source: 'feed.csv' })).toThrow(SourceError);
    expect(() => parse(input, [], { source: 'feed.csv' })).toThrow('feed.csv: unterminated quoted field starting on line 4');
    expect(() => parse('"', [])).toThrow('unterminated quoted field starting on line 1');
  });

  it('fails instead of buffering without bound when a record never ends', () => {
    const parser = new CsvParser({ source: 'big.csv', maxRecordChars: 100 });
    parser.push(utf8('a,b\n1,"open'));
    expect(() => {
      for (let i = 0; i < 20; i++) parser.push(utf8('x'.repeat(10)));
    }).toThrow('big.csv: the record starting on line 2 runs past 100 characters without ending (an unterminated quoted field?)');
  });

  it('decodes multi-byte characters split at every possible byte boundary', () => {
    const input = utf8('id,name\n1,€\n2,"日本, 東京"\n3,😀x\n4,é👍🏽\n');
    const expected = [
      ['id', 'name'],
      ['1', '€'],
      ['2', '日本, 東京'],
      ['3', '😀x'],
      ['4', 'é👍🏽'],
    ];
    for (let cut = 0; cut <= input.length; cut++) {
      expect(fieldsOf(parse(input, [cut])), `cut at ${cut}`).toEqual(expected);
    }
    expect(
      fieldsOf(
        parse(
          input,
          Array.from({ length: input.length }, (_, i) => i),
        ),
      ),
    ).toEqual(expected);
  });

  it('rejects records holding invalid UTF-8 but keeps the others', () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,ok\n2,'), Buffer.from([0xff, 0x41]), Buffer.from('\n3,\uFFFD is fine\n')]);
    for (const cuts of [[], [12], [13], [14]]) {
      const records = parse(bytes, cuts);
      expect(records.map((record) => record.problem)).toEqual([undefined, undefined, PROBLEM_INVALID_UTF8, undefined]);
      expect(records[2]!.fields).toEqual(['2', '\uFFFDA']);
    }
    // A truncated character at the very end of input is invalid too.
    const truncated = parse(Buffer.concat([Buffer.from('a\n'), Buffer.from('€').subarray(0, 2)]));
    expect(truncated[1]).toEqual({ fields: ['\uFFFD\uFFFD'], line: 2, problem: PROBLEM_INVALID_UTF8 });
    // A genuine U+FFFD in valid input is data.
    expect(parse('a\n\uFFFD\n')[1]!.problem).toBeUndefined();
  });

  it('handles a CR and its LF arriving in different chunks', () => {
    const input = 'a,b\r\n1,2\r\n\r\n3,4\r\n';
    for (let cut = 0; cut <= input.length; cut++) {
      const records = parse(input, [cut]);
      expect(fieldsOf(records), `cut at ${cut}`).toEqual([
        ['a', 'b'],
        ['1', '2'],
        ['3', '4'],
      ]);
      expect(records.map((record) => record.line)).toEqual([1, 2, 4]);
    }
  });

  it('reads a single-column file without a comma anywhere', () => {
    const input = `x\n${Array.from({ length: 1000 }, (_, i) => String(i)).join('\n')}\n`;
    const records = parse(input, [100, 2000, 3000]);
    expect(records).toHaveLength(1001);
    expect(records[1000]!.fields).toEqual(['999']);
  });

  it('agrees with a character-by-character reference on random text cut at random places', () => {
    const alphabet = fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '😀', '\uFEFF');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((chars) => chars.join('')),
        fc.array(fc.nat(), { maxLength: 6 }),
        (text, rawCuts) => {
          const length = utf8(text).length;
          const cuts = rawCuts.map((cut) => cut % (length + 1));
          expect(parseOrError(text, cuts)).toEqual(referenceParse(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([1000, 3, 1])(
    'tells where a plain record lies in the input, written %i bytes at a time, and that a quoted or CR-ended one is not plain',
    (size) => {
      const text = 'a,b\n\nplain,line\n"quoted",x\ncr,end\r\nlast,one\n';
      const parser = new CsvParser();
      const spans: [string, string | null][] = [];
      const readAll = () => {
        for (let record = parser.read(); record !== undefined; record = parser.read()) {
          spans.push([record.fields.join(','), parser.plainEnd < 0 ? null : text.slice(parser.plainStart, parser.plainEnd)]);
        }
      };
      const bytes = Buffer.from(text, 'latin1');
      for (let at = 0; at < bytes.length; at += size) {
        parser.write(bytes.subarray(at, at + size));
        readAll();
      }
      parser.finish();
      readAll();
      expect(spans).toEqual([
        ['a,b', 'a,b'],
        ['plain,line', 'plain,line'],
        ['quoted,x', null],
        ['cr,end', null],
        ['last,one', 'last,one'],
      ]);
    },
  );
});

describe('Utf8ChunkDecoder', () => {
  it('carries an incomplete character to the next chunk', () => {
    const decoder = new Utf8ChunkDecoder();
    const bytes = utf8('a😀b');
    expect(decoder.decode(bytes.subarray(0, 3))).toEqual({ text: 'a', invalidAt: [] });
    expect(decoder.decode(bytes.subarray(3, 5))).toEqual({ text: '😀', invalidAt: [] });
    expect(decoder.decode(bytes.subarray(5))).toEqual({ text: 'b', invalidAt: [] });
    expect(decoder.flush()).toEqual({ text: '', invalidAt: [] });
  });

  it('marks where invalid bytes were replaced', () => {
    const decoder = new Utf8ChunkDecoder();
    // A lone continuation byte, an overlong encoding, a surrogate, then a valid "é".
    const bytes = Buffer.from([0x61, 0x80, 0x62, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xc3, 0xa9]);
    const decoded = decoder.decode(bytes);
    expect(decoded.text).toBe('a\uFFFDb\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDé');
    expect(decoded.invalidAt).toEqual([1, 3, 4, 5, 6, 7]);
  });

  it('finds invalid input exactly when Node does, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(
        // Input that starts with a UTF-16 byte order mark is refused whole (tested on its own).
        fc.uint8Array({ maxLength: 24 }).filter((bytes) => !startsWithUtf16Bom(bytes)),
        fc.array(fc.nat(), { maxLength: 4 }),
        (bytes, rawCuts) => {
          const cuts = [...new Set(rawCuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const decoder = new Utf8ChunkDecoder();
          let text = '';
          const marks: number[] = [];
          let start = 0;
          for (const end of [...cuts, bytes.length]) {
            const part = decoder.decode(bytes.subarray(start, end));
            marks.push(...part.invalidAt.map((at) => at + text.length));
            text += part.text;
            start = end;
          }
          const last = decoder.flush();
          marks.push(...last.invalidAt.map((at) => at + text.length));
          text += last.text;
          const buffer = Buffer.from(bytes);
          const withoutBom = (value: string): string => (value.startsWith('\uFEFF') ? value.slice(1) : value);
          if (isUtf8(buffer)) {
            expect(marks).toEqual([]);
            expect(text).toBe(withoutBom(buffer.toString('utf8')));
          } else {
            expect(marks.length).toBeGreaterThan(0);
            for (const at of marks) expect(text[at]).toBe('\uFFFD');
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('readCsvRecords', () => {
  it('takes the first non-blank record as the header and numbers data rows from 1', async () => {
    const { header, records } = await readAll('\n\nMESSAGE_ID,CUSIP\n1,A\n\n2,B\n');
    expect(header).toEqual(['MESSAGE_ID', 'CUSIP']);
    expect(records).toEqual([
      { sourceRow: 1, values: ['1', 'A'] },
      { sourceRow: 2, values: ['2', 'B'] },
    ]);
  });

  it('gives a record with the wrong number of fields a problem and keeps its values', async () => {
    const { records } = await readAll('a,b,c\n1,2\n1,2,3,4\n5\n1,2,3\n');
    expect(records).toEqual([
      { sourceRow: 1, values: ['1', '2'], problem: 'has 2 fields, the header has 3', raw: '1,2' },
      { sourceRow: 2, values: ['1', '2', '3', '4'], problem: 'has 4 fields, the header has 3', raw: '1,2,3,4' },
      { sourceRow: 3, values: ['5'], problem: 'has 1 field, the header has 3', raw: '5' },
      { sourceRow: 4, values: ['1', '2', '3'] },
    ]);
  });

  it('passes malformed-quote problems through to the record', async () => {
    const { records } = await readAll('a,b\n1,x"y\n');
    // The record's text re-joined as CSV keeps the field as read: x"y, quoted.
    expect(records).toEqual([{ sourceRow: 1, values: ['1', 'x"y'], problem: PROBLEM_QUOTE_IN_UNQUOTED, raw: '1,"x""y"' }]);
  });

  it('fails on an input with no header row', async () => {
    await expect(readAll('')).rejects.toThrow(new SourceError('in.csv: the input is empty (no header row)'));
    await expect(readAll('\r\n\n\n')).rejects.toThrow('in.csv: the input is empty (no header row)');
    await expect(readAll('\uFEFF')).rejects.toThrow('in.csv: the input is empty (no header row)');
  });

  it('fails on a malformed header row', async () => {
    await expect(readAll('a,b"c\n1,2\n')).rejects.toThrow(SourceError);
    await expect(readAll('a,b"c\n1,2\n')).rejects.toThrow('in.csv: the header row on line 1 is not valid CSV');
  });

  it('surfaces an unterminated quote while records are read', async () => {
    const opened = await readCsvRecords(chunked('a,b\n1,2\n3,"4\n', 4), 'in.csv');
    const iterator = opened.records[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toEqual({ value: { sourceRow: 1, values: ['1', '2'] }, done: false });
    await expect(iterator.next()).rejects.toThrow('in.csv: unterminated quoted field starting on line 3');
  });

  it('reads a header-only input as no records', async () => {
    expect(await readAll('a,b\n')).toEqual({ header: ['a', 'b'], records: [] });
  });

  it('reads lazily and closes the input when the reader stops early', async () => {
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield utf8('a\n');
        for (let i = 0; ; i++) {
          pulled++;
          yield utf8(`${i}\n`);
        }
      } finally {
        closed = true;
      }
    }
    const opened = await readCsvRecords(source(), 'endless.csv');
    let seen = 0;
    for await (const record of opened.records) {
      expect(record.values).toEqual([String(seen)]);
      if (++seen === 3) break;
    }
    expect(closed).toBe(true);
    expect(pulled).toBeLessThanOrEqual(5);
  });
});
