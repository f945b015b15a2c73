import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/errors.js';
import { PROBLEM_JSONL_INVALID_UTF8, parseJsonLine, readJsonlRecords } from '../../../lambdas/pipeline/jsonl-reader.js';
import type { RawRecord } from '../../../lambdas/pipeline/ports.js';

async function* chunked(input: string | Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let start = 0;
  for (const cut of [...cuts, bytes.length].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
}

async function readAll(input: string | Uint8Array, cuts: readonly number[] = []): Promise<{ header: readonly string[]; records: RawRecord[] }> {
  const opened = await readJsonlRecords(chunked(input, cuts), 'in.jsonl');
  const records: RawRecord[] = [];
  for await (const record of opened.records) records.push(record);
  return { header: opened.header, records };
}

describe('parseJsonLine', () => {
  it('keeps numbers byte for byte, beyond 2^53 and in exponent form', () => {
    const line = '{"MESSAGE_ID": 1234567890123456789, "PX": -6.0929999999999998E-2, "A": 0, "B": -0.5e+10, "C": 1E400, "D": 100.000}';
    expect(parseJsonLine(line)).toEqual({
      keys: ['MESSAGE_ID', 'PX', 'A', 'B', 'C', 'D'],
      values: ['1234567890123456789', '-6.0929999999999998E-2', '0', '-0.5e+10', '1E400', '100.000'],
    });
  });

  it('unescapes strings per JSON, surrogate pairs included', () => {
    const line = String.raw`{"s": "a\"b\\c\/d\b\f\n\r\t", "u": "\u00e9\u20AC\ud83d\ude00", "raw": "日本😀", "e": ""}`;
    expect(parseJsonLine(line).values).toEqual(['a"b\\c/d\b\f\n\r\t', 'é€😀', '日本😀', '']);
  });

  it('reads null as null and booleans as their text', () => {
    expect(parseJsonLine('{"a":null,"b":true,"c":false}').values).toEqual([null, 'true', 'false']);
  });

  it('accepts JSON whitespace and an empty object', () => {
    expect(parseJsonLine(' \t{ "a" : 1 ,\t"b":"x" } \r')).toEqual({ keys: ['a', 'b'], values: ['1', 'x'] });
    expect(parseJsonLine('{}')).toEqual({ keys: [], values: [] });
  });

  it('marks nested objects and arrays, keeping their JSON text', () => {
    const parsed = parseJsonLine('{"a": 1, "o": {"x": [1, "]}"]}, "l": [1,2], "z": 2}');
    expect(parsed.values).toEqual(['1', '{"x": [1, "]}"]}', '[1,2]', '2']);
    expect(parsed.nestedProblem).toBe('key "o" holds a nested object; values must be strings, numbers, booleans or null');
    expect(parsed.syntaxError).toBeUndefined();
    expect(parseJsonLine('{"l": []}').nestedProblem).toMatch(/^key "l" holds an array/);
  });

  it.each([
    ['[1, 2]', 'the line does not start with "{"'],
    ['"x"', 'the line does not start with "{"'],
    ['a,b,c', 'the line does not start with "{"'],
    ['{"a": 1', 'unexpected end of line'],
    ['{"a": 1,}', 'expected a quoted key'],
    ['{a: 1}', 'expected a quoted key'],
    ['{"a" 1}', 'expected ":" after a key'],
    ['{"a": 1 "b": 2}', 'expected "," or "}"'],
    ['{"a": "x}', 'unterminated string'],
    ['{"a": 01}', 'invalid number'],
    ['{"a": 1.}', 'invalid number'],
    ['{"a": -}', 'invalid number'],
    ['{"a": +1}', 'invalid value'],
    ['{"a": NaN}', 'invalid value'],
    ['{"a": tru}', 'invalid value'],
    ['{"a": 1} x', 'text after the closing "}"'],
    ['{"a": 1}{"b": 2}', 'text after the closing "}"'],
    ['{"a": "\\x"}', 'invalid escape in a string'],
    ['{"a": "\\u12G4"}', 'invalid escape in a string'],
    ['{"a": "tab\there"}', 'control character in a string'],
    ['{"a": [1, 2}', 'mismatched brackets in a nested value'],
    ['{"a": [1, 2', 'unterminated nested value'],
  ])('reports %s as not an object: %s', (line, reason) => {
    expect(parseJsonLine(line).syntaxError).toBe(reason);
  });

  it('agrees with JSON.parse on flat objects of safe values', () => {
    const scalar = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), scalar, { maxKeys: 6 }), (object) => {
        const line = JSON.stringify(object);
        const parsed = parseJsonLine(line);
        expect(parsed.syntaxError).toBeUndefined();
        const expected = Object.entries(JSON.parse(line) as Record<string, unknown>);
        expect(parsed.keys).toEqual(expected.map(([key]) => key));
        expect(parsed.values).toEqual(
          expected.map(([, value]) => (value === null ? null : typeof value === 'string' ? value : JSON.stringify(value))),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('readJsonlRecords', () => {
  it('takes the first object keys as the header and keeps exact numbers', async () => {
    const input = '{"MESSAGE_ID": 1234567890123456789, "CUSIP": "12345AB", "PX": -6.0929999999999998E-2}\n{"MESSAGE_ID": 9999999999999999999, "CUSIP": "X", "PX": 1e-7}\n';
    expect(await readAll(input)).toEqual({
      header: ['MESSAGE_ID', 'CUSIP', 'PX'],
      records: [
        { sourceRow: 1, values: ['1234567890123456789', '12345AB', '-6.0929999999999998E-2'] },
        { sourceRow: 2, values: ['9999999999999999999', 'X', '1e-7'] },
      ],
    });
  });

  it('matches later keys case-insensitively, in any order; missing keys are null', async () => {
    const input = '{"MESSAGE_ID": 1, "CUSIP": "A", "PX": 2}\n{" cusip ": "B", "message_id": 3}\n';
    const { records } = await readAll(input);
    expect(records[1]).toEqual({ sourceRow: 2, values: ['3', 'B', null] });
  });

  it('ignores unknown extra keys but rejects a logical column the first line lacks', async () => {
    const input = '{"MESSAGE_ID": 1, "CUSIP": "A"}\n{"MESSAGE_ID": 2, "CUSIP": "B", "note": "x"}\n{"MESSAGE_ID": 3, "CUSIP": "C", "px": 1.5}\n';
    const { records } = await readAll(input);
    expect(records[1]).toEqual({ sourceRow: 2, values: ['2', 'B'] });
    expect(records[2]).toEqual({ sourceRow: 3, values: ['3', 'C'], problem: 'key "px" is not among the first line\'s keys' });
  });

  it('rejects a logical column given twice in one object', async () => {
    const { records } = await readAll('{"MESSAGE_ID": 1, "CUSIP": "A"}\n{"MESSAGE_ID": 2, "CUSIP": "B", "cusip": "C"}\n');
    expect(records[1]).toEqual({ sourceRow: 2, values: ['2', 'B'], problem: 'key "cusip" appears twice' });
  });

  it('rejects a line that is not a JSON object, not the run, keeping what was read', async () => {
    const input = '{"MESSAGE_ID": 1, "CUSIP": "A"}\n{"MESSAGE_ID": 2, "CUSIP": "B" oops}\nnot json\n{"MESSAGE_ID": 4, "CUSIP": "D"}\n';
    const { records } = await readAll(input);
    expect(records).toEqual([
      { sourceRow: 1, values: ['1', 'A'] },
      { sourceRow: 2, values: ['2', 'B'], problem: 'not a JSON object: expected "," or "}"' },
      { sourceRow: 3, values: [null, null], problem: 'not a JSON object: the line does not start with "{"' },
      { sourceRow: 4, values: ['4', 'D'] },
    ]);
  });

  it('rejects a row with a nested value', async () => {
    const { records } = await readAll('{"MESSAGE_ID": 1, "CUSIP": {"id": "A"}}\n');
    expect(records).toEqual([
      {
        sourceRow: 1,
        values: ['1', '{"id": "A"}'],
        problem: 'key "CUSIP" holds a nested object; values must be strings, numbers, booleans or null',
      },
    ]);
  });

  it('skips blank lines, reads CRLF, a BOM and a last line without a newline', async () => {
    const input = '\uFEFF\n  \r\n{"MESSAGE_ID": 1}\r\n\r\n{"MESSAGE_ID": 2}';
    expect(await readAll(input)).toEqual({
      header: ['MESSAGE_ID'],
      records: [
        { sourceRow: 1, values: ['1'] },
        { sourceRow: 2, values: ['2'] },
      ],
    });
  });

  it('decodes multi-byte characters split at every possible byte boundary', async () => {
    const input = new TextEncoder().encode('{"T": "€"}\n{"T": "日本"}\n{"T": "😀", "X": "\\ud83d\\ude00"}\n');
    for (let cut = 0; cut <= input.length; cut++) {
      const { records } = await readAll(input, [cut]);
      expect(records.map((record) => record.values), `cut at ${cut}`).toEqual([['€'], ['日本'], ['😀']]);
    }
  });

  it('rejects a line holding invalid UTF-8', async () => {
    const input = Buffer.concat([Buffer.from('{"T": "a"}\n{"T": "'), Buffer.from([0xc3]), Buffer.from('"}\n{"T": "\uFFFD"}\n')]);
    const { records } = await readAll(input, [15]);
    expect(records.map((record) => record.problem)).toEqual([undefined, PROBLEM_JSONL_INVALID_UTF8, undefined]);
  });

  it('fails when the first line is not a JSON object, since it names the columns', async () => {
    await expect(readAll('\nMESSAGE_ID,CUSIP\n1,A\n')).rejects.toThrow(SourceError);
    await expect(readAll('\nMESSAGE_ID,CUSIP\n1,A\n')).rejects.toThrow(
      'in.jsonl: line 2 is not a JSON object (the line does not start with "{"); the first line\'s keys name the columns',
    );
  });

  it('fails on an empty input', async () => {
    await expect(readAll('')).rejects.toThrow('in.jsonl: the input is empty (no JSON object)');
    await expect(readAll('\n \n')).rejects.toThrow('in.jsonl: the input is empty (no JSON object)');
  });

  it('fails instead of buffering without bound when a line never ends', async () => {
    const opened = await readJsonlRecords(chunked(`{"MESSAGE_ID": 1}\n{"MESSAGE_ID": "${'x'.repeat(500)}`, [30, 60, 90, 120, 150, 180]), 'in.jsonl', {
      maxLineChars: 100,
    });
    await expect(
      (async () => {
        for await (const _ of opened.records) void _;
      })(),
    ).rejects.toThrow('in.jsonl: line 2 runs past 100 characters without ending; JSON Lines needs one object per line');
  });

  it('keeps one header entry per name when the first line repeats a key', async () => {
    const { header, records } = await readAll('{"MESSAGE_ID": 1, "message_id": 2}\n');
    expect(header).toEqual(['MESSAGE_ID']);
    expect(records[0]).toEqual({ sourceRow: 1, values: ['1'], problem: 'key "message_id" appears twice' });
  });
});
