/**
 * The config document as text and bytes: the strict JSON reader against JSON.parse, and what
 * JSON.parse and yaml leave unsaid (a key given twice, a document nested past the stack, a BOM,
 * a wrong encoding, a document too large).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/errors.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import {
  decodeConfigBytes,
  MAX_CONFIG_BYTES,
  MAX_DOCUMENT_DEPTH,
  parseConfigDocument,
  readConfigBytes,
} from '../../../lambdas/pipeline/config-document.js';
import { parseJsonDocument } from '../../../lambdas/pipeline/json-document.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseJsonDocument', () => {
  it('reads every JSON document as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(parseJsonDocument(text, 1000).value).toEqual(JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what JSON.parse refuses', () => {
    const bad = [
      '',
      ' ',
      '{',
      '[1,]',
      '{"a":1,}',
      '{a:1}',
      "{'a':1}",
      '01',
      '1.',
      '.5',
      '+1',
      '-',
      '1e',
      'NaN',
      'tru',
      '"a',
      '"\t"',
      '"\\x"',
      '"\\u12"',
      '[1 2]',
      '{"a" 1}',
      '1 2',
      '{}x',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(() => parseJsonDocument(text, 100), text).toThrow();
    }
  });

  it('keeps each number as written, by its path', () => {
    const { numberTexts } = parseJsonDocument(
      '{"rules": [{"when": {"value": 100.0000000000000001}}, {"when": {"value": [1e2, -0.50]}}]}',
      100,
    );
    expect([...numberTexts]).toEqual([
      ['rules[0].when.value', '100.0000000000000001'],
      ['rules[1].when.value[0]', '1e2'],
      ['rules[1].when.value[1]', '-0.50'],
    ]);
  });

  it('keeps "__proto__" as an own key, like JSON.parse', () => {
    const value = parseJsonDocument('{"__proto__": {"x": 1}}', 10).value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('parseConfig on the document itself', () => {
  it('accepts a JSON document that starts with a UTF-8 BOM (as YAML and CSV do)', () => {
    expect(parseConfig('\uFEFF{"rules": [], "dedupe": true}', 'c.json').config.dedupe).toBe(true);
    expect(parseConfig('\uFEFFrules: []\ndedupe: true\n', 'c.yaml').config.dedupe).toBe(true);
  });

  it('names a key given twice, with its path and both places', () => {
    const top = configError(() => parseConfig('{"rules": [],\n "dedupe": true,\n "dedupe": false}', 'c.json'));
    expect(top.issues).toEqual([
      { path: 'dedupe', message: 'the key "dedupe" appears twice in one object (line 2, column 2 and line 3, column 2); keep one' },
    ]);
    const nested = configError(() =>
      parseConfig('{"rules": [{"name": "a", "when": {"column": "PX", "op": "gt", "op": "lt", "value": 1}}]}', 'c.json'),
    );
    expect(nested.message).toBe(
      'invalid config c.json: rules[0].when.op: the key "op" appears twice in one object (line 1, column 51 and line 1, column 63); keep one',
    );
    const yaml = configError(() => parseConfig('rules: []\nwindow:\n  timeZone: UTC\n  timeZone: Europe/London\n', 'c.yaml'));
    expect(yaml.issues).toEqual([
      { path: 'window.timeZone', message: 'the key "timeZone" appears twice in one map (line 3 and line 4); keep one' },
    ]);
  });

  it.each([
    ['JSON arrays 10,000', 'c.json', `{"rules": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
    ['JSON objects 10,000', 'c.json', `${'{"a": '.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['YAML flow lists 10,000', 'c.yaml', `rules: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    // Indentation grows with depth: 2,500 levels is what fits under the size cap.
    ['YAML block maps 2,500', 'c.yaml', `${Array.from({ length: 2_500 }, (_, depth) => `${' '.repeat(depth)}a:`).join('\n')} 1\n`],
  ])('refuses %s deep with the limit named, not a stack overflow', (_kind, source, text) => {
    const error = configError(() => parseConfig(text, source));
    expect(error.message).toMatch(
      new RegExp(`^invalid config ${source}: not valid (JSON|YAML): line \\d+.*nest more than ${MAX_DOCUMENT_DEPTH} levels deep$`),
    );
  });

  it('still reaches the rules limit of 32 levels, which names the rule', () => {
    let when: unknown = { column: 'PX', op: 'isEmpty' };
    for (let level = 0; level < 40; level++) when = { not: when };
    const error = configError(() => parseConfig(JSON.stringify({ rules: [{ name: 'deep', when }] }), 'c.json'));
    expect(error.message).toMatch(/rules\[0\]\.when(\.not)+: conditions nest more than 32 levels deep/);
  });

  it('locates a syntax error by line and column', () => {
    expect(configError(() => parseConfig('{\n  "rules": [\n    1 2\n  ]\n}', 'c.json')).message).toBe(
      'invalid config c.json: not valid JSON: line 3, column 7: expected "," or "]" in a list, found "2"',
    );
    expect(configError(() => parseConfig('', 'c.json')).message).toBe(
      'invalid config c.json: not valid JSON: line 1, column 1: the document is empty',
    );
  });

  it('refuses a document over the size cap, naming the limit', () => {
    const text = `{"rules": [], "version": "${'x'.repeat(MAX_CONFIG_BYTES)}"}`;
    expect(configError(() => parseConfig(text, 'big.json')).message).toBe(
      'invalid config big.json: the document is larger than 4 MiB, the most a config document may be (is this the right file?)',
    );
  });
});

describe('readConfigBytes and decodeConfigBytes', () => {
  it('stops reading an endless input just past the cap and closes it', async () => {
    let served = 0;
    let closed = false;
    async function* zeros(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          served += 65536;
          yield new Uint8Array(65536);
        }
      } finally {
        closed = true;
      }
    }
    await expect(readConfigBytes(zeros(), '/dev/zero')).rejects.toThrow('invalid config /dev/zero: the document is larger than 4 MiB');
    expect(served).toBe(MAX_CONFIG_BYTES + 65536);
    expect(closed).toBe(true);
  });

  it('refuses text that is not UTF-8, naming UTF-16 when it is that', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"rules": []}', 'utf16le')]);
    expect(() => decodeConfigBytes(utf16, 'c.json')).toThrow('invalid config c.json: the document is UTF-16; save it as UTF-8');
    expect(() => decodeConfigBytes(Buffer.from([0x7b, 0x22, 0xe9, 0x22]), 'c.json')).toThrow(
      'not valid UTF-8 (first bad byte at offset 2)',
    );
    expect(decodeConfigBytes(Buffer.from('\uFEFF{"rules": []}'), 'c.json')).toBe('\uFEFF{"rules": []}');
  });

  it('gives YAML numbers their source text too, and their value where YAML writes them otherwise', () => {
    const { numberTexts } = parseConfigDocument('rules:\n  - when: { value: 100.0000000000000001 }\n', 'c.yml');
    expect(numberTexts.get('rules[0].when.value')).toBe('100.0000000000000001');
    const hex = parseConfig('rules:\n  - { name: r, when: { column: RANK, op: lt, value: 0x1F } }\n', 'c.yaml');
    expect(hex.config.rules[0]!.when).toEqual({ column: 'RANK', op: 'lt', value: '31' });
  });
});
