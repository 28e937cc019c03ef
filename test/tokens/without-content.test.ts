import { describe, expect, it } from 'vitest';
import { withoutContent } from '../../src/tokens/read.js';

/**
 * The reader cuts a transcript line's content blocks out before decoding it: the first
 * `"content":[…]` where a key can start becomes `[]`; when the bytes give any doubt (the array
 * does not end on the line, mismatched brackets, bytes that decoding or the parser would change),
 * there is no cut and the whole line is parsed.
 */
describe('withoutContent', () => {
  it.each([
    [
      'an assistant line',
      '{"message":{"id":"m","content":[{"type":"text","text":"hi"}],"usage":{}}}',
      '{"message":{"id":"m","content":[],"usage":{}}}',
    ],
    [
      'brackets and braces inside strings',
      '{"content":[{"t":"]}[{"}],"u":1}',
      '{"content":[],"u":1}',
    ],
    ['escaped quotes', '{"content":[{"t":"a\\"],\\""}],"u":1}', '{"content":[],"u":1}'],
    [
      'a string ending in a backslash',
      '{"content":[{"t":"a\\\\"},"]"],"u":1}',
      '{"content":[],"u":1}',
    ],
    [
      'nested arrays and objects',
      '{"a":1,"content":[[1,[2]],{"b":{"c":[3]}}],"u":1}',
      '{"a":1,"content":[],"u":1}',
    ],
    [
      'multi-byte characters around the cut',
      '{"é":"→","content":["✓ résumé"],"ü":"…"}',
      '{"é":"→","content":[],"ü":"…"}',
    ],
    [
      'the first key only',
      '{"content":[1],"m":{"content":[2]}}',
      '{"content":[],"m":{"content":[2]}}',
    ],
    [
      'a key named in a string is no key',
      '{"t":"x\\"content\\":[1]","content":[2]}',
      '{"t":"x\\"content\\":[1]","content":[]}',
    ],
    [
      'more than 64 KiB left around the cut',
      `{"a":"${'α'.repeat(40_000)}","content":[{"t":"x"}],"b":"${'β'.repeat(40_000)}"}`,
      `{"a":"${'α'.repeat(40_000)}","content":[],"b":"${'β'.repeat(40_000)}"}`,
    ],
  ])('cuts %s', (_name, line, cut) => {
    const buf = Buffer.from(`x\n${line}\ny`);
    expect(withoutContent(buf, 2, 2 + Buffer.byteLength(line))).toBe(cut);
  });

  it.each([
    ['no content key', '{"message":{"usage":{"input_tokens":1}}}'],
    ['content that is a string', '{"message":{"content":"text","usage":{}}}'],
    ['the key only inside a string', '{"t":"\\"content\\":[1]","usage":{}}'],
    ['an array that does not end on the line', '{"content":[{"t":"a"}'],
    ['a string that does not end', '{"content":["abc],"u":1}'],
    ['mismatched brackets', '{"content":[{"t":1]],"u":1}'],
    ['a NUL byte', '{"content":[1],"u":"\u0000"}'],
    ['an ESC byte', '{"content":[1],"u":"\u001b[0m"}'],
    ['a final CR', '{"content":[1],"u":1}\r'],
  ])('leaves %s whole', (_name, line) => {
    const buf = Buffer.from(line);
    expect(withoutContent(buf, 0, buf.length)).toBeUndefined();
  });
});
