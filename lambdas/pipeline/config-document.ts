/**
 * From the bytes of a config document to its value (docs/configuration.md, "The document itself"):
 * at most MAX_CONFIG_BYTES of UTF-8 (a BOM is allowed), JSON, or YAML by a `.yaml`/`.yml` name;
 * a key given twice and nesting deeper than MAX_DOCUMENT_DEPTH are errors that name where. Every
 * number keeps its source text so a rule compares decimals exactly.
 */
import { isUtf8 } from 'node:buffer';
import { type CST, isMap, isScalar, isSeq, Parser, parseDocument, type Node as YamlNode } from 'yaml';
import { ConfigError } from '../errors.js';
import { DocumentError, type ParsedDocument, parseJsonDocument } from './json-document.js';
import { firstInvalidUtf8 } from './readers/utf8-chunk-decoder.js';
import { MIB } from './text.js';
import { formatJsonPath } from './validation-issues.js';
import { DECIMAL } from './values.js';

/** A desk's rules fit in kilobytes; the cap keeps a wrong path (a device, a log file) from being read whole. */
export const MAX_CONFIG_BYTES = 4 * MIB;

/**
 * Lists and objects nest at most this deep. Rules nest conditions up to 32 levels (two JSON levels
 * each), so this only stops documents no person wrote, before they exhaust the stack.
 */
export const MAX_DOCUMENT_DEPTH = 100;

function tooLarge(source: string): ConfigError {
  return new ConfigError(source, [
    {
      path: '',
      message: `the document is larger than ${MAX_CONFIG_BYTES / MIB} MiB, the most a config document may be (is this the right file?)`,
    },
  ]);
}

/**
 * Collects a document's bytes, failing as soon as they pass {@link MAX_CONFIG_BYTES}: `/dev/zero`
 * or a 1 GB object fails after reading 4 MiB, not after reading it all, and the stream is closed.
 */
export async function readConfigBytes(chunks: AsyncIterable<Uint8Array>, source: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    // Leaving the loop early closes the stream (its return() is called).
    if (size > MAX_CONFIG_BYTES) throw tooLarge(source);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/** Checks a declared size (a file's, an S3 object's) before any byte is read. */
export function checkConfigSize(bytes: number, source: string): void {
  if (bytes > MAX_CONFIG_BYTES) throw tooLarge(source);
}

/** The document's text: UTF-8 only, since a wrong encoding would silently change names and values. */
export function decodeConfigBytes(bytes: Uint8Array, source: string): string {
  checkConfigSize(bytes.byteLength, source);
  if (!isUtf8(bytes)) {
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    const message = utf16
      ? 'the document is UTF-16; save it as UTF-8'
      : `the document is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(bytes)}); save it as UTF-8`;
    throw new ConfigError(source, [{ path: '', message }]);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Parses the document's text: YAML for `.yaml`/`.yml` sources, else JSON. A leading BOM is ignored. */
export function parseConfigDocument(text: string, source: string): ParsedDocument {
  checkConfigSize(Buffer.byteLength(text), source);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const yaml = /\.ya?ml$/i.test(source);
  try {
    return yaml ? parseYamlDocument(body) : parseJsonDocument(body, MAX_DOCUMENT_DEPTH);
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    // A syntax error says where by line; any other problem by its path.
    const issue = error.syntax
      ? { path: '', message: `not valid ${yaml ? 'YAML' : 'JSON'}: ${error.message}` }
      : { path: error.path, message: error.message };
    throw new ConfigError(source, [issue], { cause: error });
  }
}

function parseYamlDocument(text: string): ParsedDocument {
  // yaml composes documents recursively: measure the nesting on its token tree first, iteratively.
  checkYamlDepth(text);
  const document = parseDocument(text, { uniqueKeys: false });
  const error = document.errors[0];
  if (error !== undefined) throw new DocumentError('', error.message.split('\n')[0]!, true);
  const numberTexts = new Map<string, string>();
  walkYaml(document.contents, [], text, numberTexts);
  return { value: document.toJS({ maxAliasCount: 100 }), numberTexts };
}

function checkYamlDepth(text: string): void {
  const pending: { token: CST.Token | null | undefined; depth: number }[] = [];
  for (const token of new Parser().parse(text)) pending.push({ token, depth: 0 });
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    if (!token) continue;
    if (token.type === 'document') pending.push({ token: token.value, depth });
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > MAX_DOCUMENT_DEPTH) {
      throw new DocumentError('', `${lineOf(text, token.offset)}: lists and maps nest more than ${MAX_DOCUMENT_DEPTH} levels deep`, true);
    }
    for (const item of token.items) pending.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
  }
}

function lineOf(text: string, offset: number): string {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return `line ${line}`;
}

/** Finds keys given twice in one map (with their path and line) and the source text of each number. */
function walkYaml(node: unknown, path: (string | number)[], text: string, numberTexts: Map<string, string>): void {
  if (isScalar(node)) {
    // YAML also writes numbers as 0x1F, 0o17 or .inf; those keep their value, not their text.
    if (typeof node.value === 'number' && node.source !== undefined && DECIMAL.test(node.source)) {
      numberTexts.set(formatJsonPath(path), node.source);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      walkYaml(item, [...path, index], text, numberTexts);
    });
  } else if (isMap(node)) {
    const seen = new Map<string, YamlNode | null>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = String(isScalar(keyNode) ? keyNode.value : keyNode);
      const first = seen.get(key);
      if (first !== undefined) {
        const lines = first?.range && keyNode?.range ? ` (${lineOf(text, first.range[0])} and ${lineOf(text, keyNode.range[0])})` : '';
        throw new DocumentError(formatJsonPath([...path, key]), `the key "${key}" appears twice in one map${lines}; keep one`, false);
      }
      seen.set(key, keyNode);
      walkYaml(pair.value, [...path, key], text, numberTexts);
    }
  }
}
