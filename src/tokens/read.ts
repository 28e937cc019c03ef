import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as FsPromises from 'node:fs/promises';
import type * as Zlib from 'node:zlib';
import { errorMessage } from '../core/errors.js';
import { Decompress } from 'fzstd';
import { JSON_NEEDLES, MAX_LINE, type MarkerParser } from './parse.js';

/**
 * Feeds a file's lines to a MarkerParser, reading only from `from` on. Most bytes of agent logs
 * are messages and tool output: in JSON-lines files only the lines holding a needle are decoded.
 */

/**
 * node:zlib and node:fs/promises load on first use: only compressed and UTF-16 logs need them,
 * and loading both (fs/promises brings readline and streams along) cost every ingest and every
 * parser thread's start about 5 ms.
 */
const requireBuiltin = createRequire(import.meta.url);
const zlib = () => requireBuiltin('node:zlib') as typeof Zlib;
const fsPromises = () => requireBuiltin('node:fs/promises') as typeof FsPromises;

const CHUNK = 4 << 20;
/** Lines longer than MAX_LINE are skipped (and counted), so one huge line cannot exhaust memory. */
export { MAX_LINE };
const NEWLINE = 10;

/**
 * How a file's bytes become lines. Every encoding but `plain` is read whole and transcoded to
 * UTF-8 (offsets count UTF-8 bytes of the decoded text), so such files are re-read, never resumed.
 */
export type Encoding = 'plain' | 'zstd' | 'gzip' | 'utf16le' | 'utf16be';

export function detectEncoding(head: Buffer): Encoding {
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  // Windows PowerShell captures (`codex exec … > log`) are UTF-16 with a byte-order mark.
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return 'plain';
}

/**
 * Plain bytes that are not text. A log truncated while its writer kept going starts with a run of
 * NUL bytes (a hole): that padding is skipped, so only a NUL after real content means binary.
 */
export function looksBinary(head: Buffer): boolean {
  let start = 0;
  while (start < head.length && head[start] === 0) start++;
  return head.subarray(start, start + 1024).includes(0);
}

export interface ReadOutcome {
  /** Bytes read from disk. */
  bytesRead: number;
  /** Offset (in decompressed bytes) after the last complete line: where the next read resumes. */
  committed: number;
  /** Parser state at `committed`. */
  state: ReturnType<MarkerParser['snapshot']>;
  /** How the file's lines are scanned (decided from its first line, kept for resumed reads). */
  family: Family;
}

/**
 * Text files are read line by line. JSON-lines files are searched for needles and only matching
 * lines are decoded; a rollout or a transcript needs fewer needles than an unknown JSON stream.
 */
export type Family = 'text' | 'json' | 'rollout' | 'transcript';

/** Families read by a needle search: a file of one agent's own lines. */
type NeedleFamily = 'rollout' | 'transcript';

/**
 * Byte strings searched for in rollouts and transcripts: each is (part of) a word the parser
 * needs, so every line of such a file the parser could act on holds one. `_co` (of token_count
 * and turn_context) starts with a byte that is rare in prose and base64, which makes the search
 * several times faster than searching for the words; its hits are checked before decoding.
 */
const NEEDLES: Record<NeedleFamily, Buffer> = {
  rollout: Buffer.from('_co'),
  transcript: Buffer.from('"usage"'),
};

const TOKEN_COUNT = Buffer.from('token_count');
const TURN_CONTEXT = Buffer.from('turn_context');

/**
 * Confirms a needle hit is one of the words it stands for, as a JSON string of its own
 * (`"token_count"`, `"turn_context"`, whose opening quote no backslash escapes): an O(1) check,
 * no decoding. A rollout line is read only for a `type` of one of them, which is such a string;
 * the word inside another string (a tool's output quoting a rollout, `\"token_count\"`) is not.
 */
const VERIFY: Record<NeedleFamily, ((buf: Buffer, hit: number) => boolean) | undefined> = {
  transcript: undefined,
  rollout: (buf, hit) =>
    // n_co: most false hits (encrypted_content) fail on the byte before the needle.
    buf[hit - 1] === 0x6e &&
    ((hit >= 6 &&
      hit + 7 <= buf.length &&
      buf.compare(TOKEN_COUNT, 0, 11, hit - 5, hit + 6) === 0 &&
      stringOfItsOwn(buf, hit - 6, hit + 6)) ||
      (hit >= 5 &&
        hit + 9 <= buf.length &&
        buf.compare(TURN_CONTEXT, 0, 12, hit - 4, hit + 8) === 0 &&
        stringOfItsOwn(buf, hit - 5, hit + 8))),
};

/** `buf[open]` and `buf[close]` are quotes, and no backslash escapes the opening one. */
function stringOfItsOwn(buf: Buffer, open: number, close: number): boolean {
  if (buf[open] !== QUOTE || buf[close] !== QUOTE) return false;
  let slashes = 0;
  while (open - 1 - slashes >= 0 && buf[open - 1 - slashes] === BACKSLASH) slashes++;
  return slashes % 2 === 0;
}

/** The parser's JSON needles as bytes, for JSON lines of mixed files. */
const JSON_NEEDLE_BYTES = JSON_NEEDLES.map((n) => Buffer.from(n));
const OPEN_BRACE = 0x7b;
const ESC = 0x1b;
const NUL = 0;

/**
 * The first line of a Claude Code transcript: a message of a session, the session's summary, or
 * the snapshot of tracked files that Claude Code 2 writes before a prompt (most transcripts
 * start with one).
 */
function transcriptStart(o: Record<string, unknown>): boolean {
  if (typeof o.sessionId === 'string' && typeof o.type === 'string') return true;
  if (o.type === 'file-history-snapshot')
    return typeof o.messageId === 'string' && typeof o.snapshot === 'object';
  return o.type === 'summary' && typeof o.leafUuid === 'string';
}

export function classify(firstLine: string): Family {
  return classifyFirst(firstLine).family;
}

/** The family of a file's first line, and the line's object when it was parsed as JSON. */
function classifyFirst(firstLine: string): { family: Family; parsed?: unknown } {
  const text = firstLine.trim();
  if (!text.startsWith('{')) return { family: 'text' };
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o.type === 'session_meta') return { family: 'rollout', parsed: o };
    if (transcriptStart(o)) return { family: 'transcript' };
  } catch {
    // a broken first line says nothing about the rest
  }
  return { family: 'json' };
}

/** Splits bytes into lines with absolute offsets and hands the relevant ones to the parser. */
class LineFeeder {
  private skipping = false;
  family: Family | undefined;
  committed: number;

  constructor(
    private readonly parser: MarkerParser,
    start: number,
    family: Family | undefined,
  ) {
    this.committed = start;
    this.family = family;
  }

  /**
   * Processes the complete lines of `buf` (which starts at absolute offset `base`) and returns
   * how many bytes were consumed; the rest is an unfinished line to be offered again.
   */
  process(buf: Buffer, base: number): number {
    let pos = 0;
    if (this.skipping) {
      const nl = buf.indexOf(NEWLINE);
      if (nl === -1) {
        this.committed = base + buf.length;
        return buf.length;
      }
      this.skipping = false;
      pos = nl + 1;
      this.committed = base + pos;
    }
    if (this.family === undefined) {
      const nl = buf.indexOf(NEWLINE, pos);
      if (nl === -1 && buf.length - pos <= MAX_LINE) return pos; // need the whole first line
      const first = decodeLine(buf, pos, nl === -1 ? Math.min(buf.length, pos + 4096) : nl);
      const { family, parsed } = classifyFirst(first);
      this.family = family;
      // A rollout's first line (session_meta) names its thread and any parent; the needle
      // search that follows looks for token counts only. It was parsed to classify the file
      // (its base instructions make it one of the longest lines): the parser takes that object.
      if (family === 'rollout' && nl !== -1) this.parsedLine(first, parsed, base + pos);
    }
    const last = buf.lastIndexOf(NEWLINE);
    const end = last < pos ? pos : last + 1;
    if (end > pos) {
      if (this.family === 'text') this.scanAll(buf, pos, end, base);
      else if (this.family === 'json') this.scanJsonLines(buf, pos, end, base);
      else this.scanNeedles(this.family, buf, pos, end, base);
      this.committed = base + end;
    }
    if (buf.length - end > MAX_LINE) {
      this.parser.countSkipped('oversized-line');
      this.skipping = true;
      this.committed = base + buf.length;
      return buf.length;
    }
    return end;
  }

  /** The unterminated last line, if any: parsed, but not committed (it may still be growing). */
  finish(rest: Buffer, base: number): ReturnType<MarkerParser['snapshot']> {
    const state = this.parser.snapshot();
    if (rest.length > 0 && !this.skipping) {
      this.family ??= classify(decodeLine(rest, 0, Math.min(rest.length, 4096)));
      const before = this.parser.events.length;
      this.line(decodeLine(rest, 0, rest.length), base, false);
      // The line may still be growing ("tokens used: 1" of "…: 10"): its events are recorded
      // now but replaced when the line is read again, complete.
      const tail = this.parser.events.slice(before).map((e) => e.fingerprint);
      if (tail.length > 0) state.provisional = tail;
    }
    return state;
  }

  /** One line to the parser: a line it cannot process is skipped and counted, never fatal. */
  private line(text: string, offset: number, complete = true, holdsNeedle = false): void {
    try {
      this.parser.line(text, offset, complete, holdsNeedle);
    } catch {
      this.parser.countSkipped('unprocessable-line');
    }
  }

  /** A whole line already parsed as JSON (to `parsed`), read as `line` would read it. */
  private parsedLine(text: string, parsed: unknown, offset: number): void {
    try {
      this.parser.parsedLine(text, parsed, offset);
    } catch {
      this.parser.countSkipped('unprocessable-line');
    }
  }

  /**
   * A transcript line decoded and parsed without its content blocks (withoutContent): true when
   * the parser took it as a Claude assistant line, which reads nothing of them; false when the
   * whole line must go to the parser (another kind of line, or bytes the cut cannot vouch for).
   */
  private assistantLine(buf: Buffer, start: number, end: number, base: number): boolean {
    const text = withoutContent(buf, start, end);
    if (text === undefined) return false;
    try {
      return this.parser.assistantLine(text, base + start);
    } catch {
      this.parser.countSkipped('unprocessable-line');
      return true;
    }
  }

  private scanAll(buf: Buffer, from: number, end: number, base: number): void {
    let start = from;
    while (start < end) {
      const nl = buf.indexOf(NEWLINE, start);
      const stop = nl === -1 || nl >= end ? end : nl;
      this.line(decodeLine(buf, start, stop), base + start);
      start = stop + 1;
    }
  }

  /**
   * JSON-lines files of any kind (cron logs of `codex exec --json`, `claude -p` stream-json, which
   * may mix in text lines): every line goes to the parser except JSON lines that hold none of its
   * JSON_NEEDLES, which the parser would ignore unread. What a line holds is checked on its bytes;
   * a line with ESC or NUL bytes (which the parser strips) always goes to the parser.
   */
  private scanJsonLines(buf: Buffer, from: number, end: number, base: number): void {
    let start = from;
    while (start < end) {
      let stop = buf.indexOf(NEWLINE, start);
      if (stop === -1 || stop >= end) stop = end;
      let first = start;
      while (first < stop && (buf[first] === 0x20 || buf[first] === 0x09)) first++;
      const line = buf.subarray(start, stop);
      if (
        buf[first] !== OPEN_BRACE ||
        line.includes(ESC) ||
        line.includes(NUL) ||
        JSON_NEEDLE_BYTES.some((n) => line.includes(n))
      )
        this.line(decodeLine(buf, start, stop), base + start);
      start = stop + 1;
    }
  }

  private scanNeedles(
    family: NeedleFamily,
    buf: Buffer,
    from: number,
    end: number,
    base: number,
  ): void {
    const needle = NEEDLES[family];
    const verify = VERIFY[family];
    const region = buf.subarray(0, end);
    let next = -2;
    let pos = from;
    while (pos < end) {
      // A `tokens used` line without its number: the number is on a following line.
      while (this.parser.pendingOffset() !== undefined && pos < end) {
        let nl = region.indexOf(NEWLINE, pos);
        if (nl === -1) nl = end;
        this.line(decodeLine(region, pos, nl), base + pos);
        pos = nl + 1;
      }
      if (pos >= end) return;
      if (next !== -1 && next < pos) next = region.indexOf(needle, pos);
      const hit = next === -1 ? end : next;
      if (hit >= end) return;
      if (verify && !verify(region, hit)) {
        pos = hit + 1; // a false hit inside some other word: look further
        continue;
      }
      // The whole line, also when a false hit on it moved `pos` past its start.
      const lineStart = Math.max(from, region.lastIndexOf(NEWLINE, hit) + 1);
      let lineEnd = region.indexOf(NEWLINE, hit);
      if (lineEnd === -1) lineEnd = end;
      // A transcript line is read without its content blocks when it is an assistant line.
      if (family !== 'transcript' || !this.assistantLine(region, lineStart, lineEnd, base))
        // The hit is one of the parser's JSON needles: it need not look for them again.
        this.line(decodeLine(region, lineStart, lineEnd), base + lineStart, true, true);
      pos = lineEnd + 1;
    }
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CONTENT_KEY = Buffer.from('"content":[');
const CLOSING: Record<number, number> = { 0x5b: 0x5d, 0x7b: 0x7d };

/**
 * The line `buf[start, end)` decoded with the value of its first `"content":[…]` key replaced by
 * `[]`, without decoding those bytes; undefined when there is no such key, or the line holds a
 * byte decodeLine or the parser would change (NUL, ESC, a final CR), or the array does not end
 * on the line with its strings closed and its brackets and braces matched. Most bytes of a
 * Claude Code transcript are content blocks (thinking, text, tool input), which no format reads.
 *
 * The key is found only where a key can start (after `{` or `,`): a quote there is not inside a
 * string, since a string's quotes are escaped. A UTF-8 byte of a multi-byte character is never
 * an ASCII byte, so the byte scan cannot be fooled by one, and the cut (at `[` and after `]`)
 * never splits a character.
 */
export function withoutContent(buf: Buffer, start: number, end: number): string | undefined {
  const line = buf.subarray(start, end);
  let key = line.indexOf(CONTENT_KEY);
  while (key > 0 && line[key - 1] !== 0x7b && line[key - 1] !== 0x2c)
    key = line.indexOf(CONTENT_KEY, key + 1);
  if (key <= 0 || line[line.length - 1] === 0x0d || line.includes(NUL) || line.includes(ESC))
    return undefined;
  const open = key + CONTENT_KEY.length - 1;
  const expected: number[] = [];
  for (let i = open; i < line.length;) {
    const c = line[i]!;
    if (c === QUOTE) {
      let close = line.indexOf(QUOTE, i + 1);
      // A quote after an odd run of backslashes is escaped: the string goes on.
      while (close !== -1) {
        let slashes = 0;
        while (line[close - 1 - slashes] === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        close = line.indexOf(QUOTE, close + 1);
      }
      if (close === -1) return undefined;
      i = close + 1;
      continue;
    }
    const closing = CLOSING[c];
    if (closing !== undefined) expected.push(closing);
    else if (c === 0x5d || c === 0x7d) {
      if (expected.pop() !== c) return undefined;
      if (expected.length === 0) return spliced(line, open, i + 1);
    }
    i++;
  }
  return undefined;
}

/** Reused by `spliced` for every line that fits (nearly all: what is left of a line is small). */
const scratch = Buffer.allocUnsafe(64 << 10);

/**
 * `line` decoded with its bytes from `open` to `after` replaced by `[]`: the two parts and the
 * brackets are copied together and decoded once, so the parser gets one flat string (two
 * decodes joined would be flattened again by JSON.parse).
 */
function spliced(line: Buffer, open: number, after: number): string {
  const length = open + 2 + (line.length - after);
  if (length > scratch.length)
    return `${line.toString('utf8', 0, open)}[]${line.toString('utf8', after)}`;
  line.copy(scratch, 0, 0, open);
  scratch[open] = 0x5b;
  scratch[open + 1] = 0x5d;
  line.copy(scratch, open + 2, after);
  return scratch.toString('utf8', 0, length);
}

function decodeLine(buf: Buffer, start: number, end: number): string {
  const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
  const text = buf.toString('utf8', start, stop);
  // NUL padding (a file truncated under a running writer) is not part of any line.
  return text.includes('\0') ? text.replaceAll('\0', '') : text;
}

/**
 * A reusable window over a byte stream: the unfinished tail of one chunk stays at the front and
 * the next chunk lands right after it, so bytes are copied only when a line spans chunks.
 */
let spare: Buffer | undefined;

/** The spare buffer goes to one reader at a time: reads of several files may overlap. */
function takeSpare(): Buffer {
  const buf = spare ?? Buffer.allocUnsafe(2 * CHUNK);
  spare = undefined;
  return buf;
}

class Window {
  // One buffer reused from file to file: allocating megabytes per file keeps the GC busy.
  buf = takeSpare();
  length = 0;
  /** Absolute offset of buf[0]. */
  base: number;

  constructor(start: number) {
    this.base = start;
  }

  /** Makes room for `n` more bytes after the kept tail. */
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  append(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Drops the first `consumed` bytes. */
  consume(consumed: number): void {
    if (consumed === 0) return;
    this.buf.copy(this.buf, 0, consumed, this.length);
    this.length -= consumed;
    this.base += consumed;
  }

  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  release(): void {
    if (spare === undefined && this.buf.length <= 8 * CHUNK) spare = this.buf;
  }
}

/** Collects the decoded bytes of one range as they stream past, to check them afterwards. */
class RangeProbe {
  private readonly bytes: Buffer;
  private filled = 0;

  constructor(
    private readonly start: number,
    private readonly end: number,
  ) {
    this.bytes = Buffer.alloc(Math.max(0, end - start));
  }

  /** `data` holds decoded bytes from absolute offset `at`. */
  see(data: Uint8Array, at: number): void {
    const from = Math.max(this.start, at);
    const to = Math.min(this.end, at + data.length);
    if (to <= from) return;
    this.bytes.set(data.subarray(from - at, to - at), from - this.start);
    this.filled += to - from;
  }

  complete(): Buffer | undefined {
    return this.filled === this.bytes.length ? this.bytes : undefined;
  }
}

export interface ReadOptions {
  from: number;
  encoding: Encoding;
  family?: Family;
  /** Decoded bytes [start, end) to hand back for a check (a joined lineage's tail). */
  probe?: { start: number; end: number };
}

export interface FullReadOutcome extends ReadOutcome {
  /** The file's bytes stopped making sense here (a truncated or corrupt .gz/.zst). */
  damaged?: string;
  /** The probed bytes, when the file was long enough. */
  probed?: Buffer;
}

/**
 * Reads `path` from byte `from` (plain files) or whole (compressed and UTF-16 files, which are
 * replaced, not appended) and feeds the parser. A decoding error ends the read where it happened:
 * the complete lines before it count, and the outcome says the file is damaged.
 */
export async function readMarkers(
  path: string,
  parser: MarkerParser,
  options: ReadOptions,
): Promise<FullReadOutcome> {
  const from = options.encoding === 'plain' ? options.from : 0;
  const feeder = new LineFeeder(parser, from, options.family);
  const window = new Window(from);
  const probe = options.probe ? new RangeProbe(options.probe.start, options.probe.end) : undefined;
  const feed = () => window.consume(feeder.process(window.view(), window.base));
  const decoded = (data: Uint8Array) => {
    probe?.see(data, window.base + window.length);
    window.append(data);
    if (window.length >= CHUNK) feed();
  };
  let bytesRead = 0;
  let damaged: string | undefined;
  try {
    if (options.encoding === 'plain') {
      // Synchronous reads: no thread-pool round trip per chunk, and nothing else runs meanwhile.
      const fd = openSync(path, 'r');
      try {
        let position = from;
        for (;;) {
          window.reserve(CHUNK);
          const n = readSync(fd, window.buf, window.length, CHUNK, position);
          if (n === 0) break;
          probe?.see(window.buf.subarray(window.length, window.length + n), position);
          bytesRead += n;
          position += n;
          window.length += n;
          feed();
        }
      } finally {
        closeSync(fd);
      }
    } else {
      const handle = await fsPromises().open(path, 'r');
      try {
        const stream = handle.createReadStream({ highWaterMark: CHUNK, autoClose: false });
        const sink = decoder(options.encoding, decoded);
        try {
          for await (const chunk of stream) {
            bytesRead += (chunk as Buffer).length;
            await sink.push(chunk as Buffer);
          }
          await sink.end();
        } catch (error) {
          damaged = errorMessage(error);
        }
        feed();
      } finally {
        await handle.close();
      }
    }
    // A damaged file's last piece of a line is not a line: it is dropped, not counted.
    const state = damaged ? parser.snapshot() : feeder.finish(window.view(), window.base);
    return {
      bytesRead,
      committed: damaged ? window.base : feeder.committed,
      state,
      family: feeder.family ?? 'text',
      damaged,
      probed: probe?.complete(),
    };
  } finally {
    window.release();
  }
}

interface Sink {
  push(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

/** A streaming decoder that hands decoded bytes to `out` and throws where the input is bad. */
function decoder(encoding: Exclude<Encoding, 'plain'>, out: (data: Uint8Array) => void): Sink {
  if (encoding === 'zstd') {
    const zstd = new Decompress((data) => out(data));
    return {
      push: async (chunk) => zstd.push(chunk),
      end: async () => zstd.push(new Uint8Array(0), true),
    };
  }
  if (encoding === 'gzip') {
    const gunzip = zlib().createGunzip();
    let failure: Error | undefined;
    gunzip.on('data', (data: Buffer) => out(data));
    gunzip.on('error', (error) => (failure = error));
    const settle = (resolve: () => void) => {
      if (failure) throw failure;
      resolve();
    };
    return {
      push: (chunk) =>
        new Promise<void>((resolve, reject) => {
          gunzip.write(chunk, () => {
            try {
              settle(resolve);
            } catch (error) {
              reject(error as Error);
            }
          });
        }),
      // The end of the stream, or its error: a truncated file errs only after end() returns.
      end: () =>
        new Promise<void>((resolve, reject) => {
          if (failure) return reject(failure);
          gunzip.once('error', reject);
          gunzip.once('end', resolve);
          gunzip.end();
        }),
    };
  }
  // UTF-16 with a byte-order mark (which the decoder drops), transcoded to UTF-8.
  const utf16 = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be');
  return {
    push: async (chunk) => out(Buffer.from(utf16.decode(chunk, { stream: true }), 'utf8')),
    end: async () => out(Buffer.from(utf16.decode(), 'utf8')),
  };
}

/**
 * The first decoded bytes of a compressed or UTF-16 file (at most `length`), from its first raw
 * bytes only: enough to recognise which known log it is a copy of.
 */
export function decodedHead(
  raw: Buffer,
  encoding: Exclude<Encoding, 'plain'>,
  length: number,
): Buffer {
  try {
    if (encoding === 'gzip') {
      const { gunzipSync, constants } = zlib();
      return gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, length);
    }
    if (encoding === 'zstd') {
      const parts: Uint8Array[] = [];
      let size = 0;
      const zstd = new Decompress((data) => {
        parts.push(data);
        size += data.length;
      });
      try {
        zstd.push(raw);
      } catch {
        // a short read ends mid-frame: what was decoded so far is enough
      }
      return Buffer.concat(parts, size).subarray(0, length);
    }
    const text = new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(raw);
    return Buffer.from(text, 'utf8').subarray(0, length);
  } catch {
    return Buffer.alloc(0);
  }
}
