import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/errors.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import type { RawRecord } from '../../../lambdas/pipeline/ports.js';
import { JsonLineScanner } from '../../../lambdas/pipeline/readers/json-line-scanner.js';
import { PROBLEM_JSONL_INVALID_UTF8, readJsonlRecords } from '../../../lambdas/pipeline/readers/jsonl-reader.js';

/** One scanner for every line, as a reader keeps one: no line's scan may leak into the next. */
const scanner = new JsonLineScanner();
const parseJsonLine = (line: string) => scanner.scan(line);

async function* chunked(input: string | Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let start = 0;
  for (const cut of [...cuts, bytes.length].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
}

async function readAll(
  input: string | Uint8Array,
  cuts: readonly number[] = [],
): Promise<{ header: readonly string[]; records: RawRecord[] }> {
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
    const scalar = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
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

/** A record's non-null values by column, for reading at a glance. */
function fields(record: RawRecord): Record<string, string> {
  return Object.fromEntries(COLUMNS.flatMap((column, index) => (record.values[index] == null ? [] : [[column, record.values[index]!]])));
}

describe('readJsonlRecords', () => {
  it('reads every line by its own keys into the logical columns, keeping exact numbers and the line', async () => {
    const lines = [
      '{"MESSAGE_ID": 1234567890123456789, "CUSIP": "12345AB", "PX": -6.0929999999999998E-2}',
      '{"MESSAGE_ID": 9999999999999999999, "CUSIP": "X", "PX": 1e-7}',
    ];
    const { header, records } = await readAll(`${lines.join('\n')}\n`);
    expect(header).toEqual(COLUMNS);
    expect(records.map(fields)).toEqual([
      { MESSAGE_ID: '1234567890123456789', CUSIP: '12345AB', PX: '-6.0929999999999998E-2' },
      { MESSAGE_ID: '9999999999999999999', CUSIP: 'X', PX: '1e-7' },
    ]);
    expect(records.map((record) => [record.sourceRow, record.raw])).toEqual([
      [1, lines[0]],
      [2, lines[1]],
    ]);
  });

  it('hands out the lines a chunk holds through the fast path, the first line included', async () => {
    const opened = await readJsonlRecords(chunked('{"MESSAGE_ID": 1}\n{"MESSAGE_ID": 2}\n\n{"MESSAGE_ID": 3}\n', []), 'in.jsonl');
    const iterator = opened.records[Symbol.asyncIterator]();
    const buffered = [iterator.readBuffered?.(), iterator.readBuffered?.(), iterator.readBuffered?.()];
    expect(buffered.map((record) => record?.sourceRow)).toEqual([1, 2, 3]);
    expect(buffered.map((record) => record?.values[0])).toEqual(['1', '2', '3']);
    // Nothing more in memory: the end of input is found by awaiting.
    expect(iterator.readBuffered?.()).toBeUndefined();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('takes no line as the header: a key the first line leaves out is read in later lines', async () => {
    // An exporter that omits null keys: the first row has no TICKER, the second no PX.
    const input =
      '{"MESSAGE_ID": 1, "CUSIP": "A", "DATE": "2026-11-20", "PX": 200}\n{"MESSAGE_ID": 2, "TICKER": "ACME 5 01/30", "CUSIP": "B", "DATE": "2026-11-20"}\n';
    const { records } = await readAll(input);
    expect(records.map(fields)).toEqual([
      { MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20', PX: '200' },
      { MESSAGE_ID: '2', TICKER: 'ACME 5 01/30', CUSIP: 'B', DATE: '2026-11-20' },
    ]);
    expect(records.every((record) => record.problem === undefined)).toBe(true);
  });

  it('matches keys case-insensitively with surrounding spaces ignored, in any order', async () => {
    const { records } = await readAll('{" cusip ": "B", "message_id": 3, "Px": 1}\n');
    expect(fields(records[0]!)).toEqual({ MESSAGE_ID: '3', CUSIP: 'B', PX: '1' });
  });

  it('ignores keys that are no color column, and reports each once after the read', async () => {
    const input =
      '{"MESSAGE_ID": 1, "note": "x"}\n{"MESSAGE_ID": 2, "note": "y", " RNK ": 1}\n{"MESSAGE_ID": 3, "note": "z", "CUSIP": null}\n';
    const opened = await readJsonlRecords(chunked(input, []), 'in.jsonl');
    const records: RawRecord[] = [];
    for await (const record of opened.records) records.push(record);
    expect(records.map(fields)).toEqual([{ MESSAGE_ID: '1' }, { MESSAGE_ID: '2' }, { MESSAGE_ID: '3' }]);
    const keys = opened.recordKeys!();
    expect(keys.unknown).toEqual(['note', 'RNK']);
    expect(keys.unknownCount).toBe(2);
    // A key given with null counts as present: the exporter did write the column.
    expect([...keys.columns]).toEqual(['MESSAGE_ID', 'CUSIP']);
  });

  it('names at most 20 unknown keys, and counts them all', async () => {
    const input = Array.from({ length: 30 }, (_, i) => `{"MESSAGE_ID": ${i}, "k${i}": 1}`).join('\n');
    const opened = await readJsonlRecords(chunked(input, []), 'in.jsonl');
    for await (const _ of opened.records) void _;
    expect(opened.recordKeys!()).toMatchObject({ unknown: Array.from({ length: 20 }, (_, i) => `k${i}`), unknownCount: 30 });
  });

  it('rejects a logical column given twice in one object, keeping the line', async () => {
    const line = '{"MESSAGE_ID": 2, "CUSIP": "B", "cusip": "C"}';
    const { records } = await readAll(`${line}\n`);
    expect(records[0]).toMatchObject({ sourceRow: 1, problem: 'key "cusip" appears twice', raw: line });
    expect(fields(records[0]!)).toEqual({ MESSAGE_ID: '2', CUSIP: 'B' });
  });

  it('rejects a line that is not a JSON object, not the run, keeping what was read and the line', async () => {
    const input = '{"MESSAGE_ID": 1, "CUSIP": "A"}\n{"MESSAGE_ID": 2, "CUSIP": "B" oops}\nnot json\n{"MESSAGE_ID": 4, "CUSIP": "D"}\n';
    const { records } = await readAll(input);
    expect(records.map((record) => [record.sourceRow, fields(record), record.problem, record.raw])).toEqual([
      [1, { MESSAGE_ID: '1', CUSIP: 'A' }, undefined, '{"MESSAGE_ID": 1, "CUSIP": "A"}'],
      [2, { MESSAGE_ID: '2', CUSIP: 'B' }, 'not a JSON object: expected "," or "}"', '{"MESSAGE_ID": 2, "CUSIP": "B" oops}'],
      [3, {}, 'not a JSON object: the line does not start with "{"', 'not json'],
      [4, { MESSAGE_ID: '4', CUSIP: 'D' }, undefined, '{"MESSAGE_ID": 4, "CUSIP": "D"}'],
    ]);
  });

  it('rejects a first line that starts like an object but breaks, as any other line', async () => {
    const { records } = await readAll('{"MESSAGE_ID": 1, "CUSIP": \n{"MESSAGE_ID": 2}\n');
    expect(records.map((record) => record.problem)).toEqual(['not a JSON object: unexpected end of line', undefined]);
  });

  it('rejects a row with a nested value', async () => {
    const { records } = await readAll('{"MESSAGE_ID": 1, "CUSIP": {"id": "A"}}\n');
    expect(records[0]).toMatchObject({ problem: 'key "CUSIP" holds a nested object; values must be strings, numbers, booleans or null' });
    expect(fields(records[0]!)).toEqual({ MESSAGE_ID: '1', CUSIP: '{"id": "A"}' });
  });

  it('skips blank lines, reads CRLF, a BOM and a last line without a newline', async () => {
    const input = '\uFEFF\n  \r\n{"MESSAGE_ID": 1}\r\n\r\n{"MESSAGE_ID": 2}';
    const { records } = await readAll(input);
    expect(records.map((record) => [record.sourceRow, fields(record), record.raw])).toEqual([
      [1, { MESSAGE_ID: '1' }, '{"MESSAGE_ID": 1}'],
      [2, { MESSAGE_ID: '2' }, '{"MESSAGE_ID": 2}'],
    ]);
  });

  it('decodes multi-byte characters split at every possible byte boundary', async () => {
    const input = new TextEncoder().encode('{"TICKER": "€"}\n{"TICKER": "日本"}\n{"TICKER": "😀", "X": "\\ud83d\\ude00"}\n');
    for (let cut = 0; cut <= input.length; cut++) {
      const { records } = await readAll(input, [cut]);
      expect(
        records.map((record) => fields(record).TICKER),
        `cut at ${cut}`,
      ).toEqual(['€', '日本', '😀']);
    }
  });

  it('rejects a line holding invalid UTF-8', async () => {
    const input = Buffer.concat([
      Buffer.from('{"TICKER": "a"}\n{"TICKER": "'),
      Buffer.from([0xc3]),
      Buffer.from('"}\n{"TICKER": "\uFFFD"}\n'),
    ]);
    const { records } = await readAll(input, [15]);
    expect(records.map((record) => record.problem)).toEqual([undefined, PROBLEM_JSONL_INVALID_UTF8, undefined]);
  });

  it('fails when the first line does not start with "{": the file is not JSON Lines', async () => {
    await expect(readAll('\nMESSAGE_ID,CUSIP\n1,A\n')).rejects.toThrow(SourceError);
    await expect(readAll('\nMESSAGE_ID,CUSIP\n1,A\n')).rejects.toThrow(
      'in.jsonl: line 2 is not a JSON object (the line does not start with "{"); JSON Lines has one object per line',
    );
  });

  it('refuses a UTF-16 input by its byte order mark', async () => {
    await expect(readAll(Buffer.from('\uFEFF{"MESSAGE_ID": 1}\n', 'utf16le'), [1])).rejects.toThrow(
      'in.jsonl: the input is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8',
    );
  });

  it('fails on an empty input', async () => {
    await expect(readAll('')).rejects.toThrow('in.jsonl: the input is empty (no JSON object)');
    await expect(readAll('\n \n')).rejects.toThrow('in.jsonl: the input is empty (no JSON object)');
  });

  it('fails instead of buffering without bound when a line never ends', async () => {
    const opened = await readJsonlRecords(
      chunked(`{"MESSAGE_ID": 1}\n{"MESSAGE_ID": "${'x'.repeat(500)}`, [30, 60, 90, 120, 150, 180]),
      'in.jsonl',
      {
        maxLineChars: 100,
      },
    );
    await expect(
      (async () => {
        for await (const _ of opened.records) void _;
      })(),
    ).rejects.toThrow('in.jsonl: line 2 runs past 100 characters without ending; JSON Lines needs one object per line');
  });
});
