import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_CONTENT_TYPE, csvField, csvLine } from '../../../lambdas/pipeline/csv-writer.js';
import { CsvParser } from '../../../lambdas/pipeline/readers/csv-parser.js';

describe('csvField', () => {
  it('writes null and empty text as an empty field', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
  });

  it('leaves plain values untouched', () => {
    for (const value of ['abc', '1234567890123456789', '-6.0929999999999998E-2', '2026-11-20T10:00:00', 'a b', '日本', '€', '😀', "it's"]) {
      expect(csvField(value)).toBe(value);
    }
  });

  it('quotes values holding a comma, quote, CR or LF, doubling quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('"')).toBe('""""');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
  });

  it('quotes values that start or end with a space (or tab)', () => {
    expect(csvField(' x')).toBe('" x"');
    expect(csvField('x ')).toBe('"x "');
    expect(csvField(' ')).toBe('" "');
    expect(csvField('\tx')).toBe('"\tx"');
  });

  it('quotes a value starting with U+FEFF, which would otherwise read back as a byte order mark', () => {
    expect(csvField('\uFEFFx')).toBe('"\uFEFFx"');
    expect(csvField('x\uFEFF')).toBe('x\uFEFF');
  });
});

describe('csvLine', () => {
  it('joins fields with commas and ends with LF', () => {
    expect(csvLine(['1', null, 'a,b', ''])).toBe('1,,"a,b",\n');
    expect(csvLine([])).toBe('\n');
    expect(CSV_CONTENT_TYPE).toBe('text/csv; charset=utf-8');
  });

  it('writes a record of one empty field so that it is not read back as a blank line', () => {
    expect(csvLine([null])).toBe('""\n');
    expect(csvLine([''])).toBe('""\n');
  });

  it('round-trips any records through the parser, however the bytes are chunked', () => {
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom(',', '"', '\r', '\n', ' ', '\uFEFF', '€', '日', '😀', '\uFFFD'),
        fc.string({ unit: 'grapheme', maxLength: 3 }),
      ),
      maxLength: 12,
    });
    const record = fc.array(text, { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 8 }), (records, rawCuts) => {
        const bytes = new TextEncoder().encode(records.map(csvLine).join(''));
        const cuts = [...rawCuts.map((cut) => cut % (bytes.length + 1)), bytes.length].sort((a, b) => a - b);
        const parser = new CsvParser();
        const parsed: string[][] = [];
        let start = 0;
        for (const cut of cuts) {
          for (const rec of parser.push(bytes.subarray(start, cut))) parsed.push([...rec.fields]);
          start = cut;
        }
        for (const rec of parser.end()) {
          expect(rec.problem).toBeUndefined();
          parsed.push([...rec.fields]);
        }
        expect(parsed).toEqual(records);
      }),
      { numRuns: 2000 },
    );
  });
});
