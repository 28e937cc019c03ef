import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { JSON_NEEDLES, type MarkerParser } from './parse.js';

/**
 * Feeds a file's lines to a MarkerParser, reading only from `from` on. Most bytes of agent logs
 * are messages and tool output: in JSON-lines files only the lines holding a needle are decoded.
 */

const CHUNK = 4 << 20;
/** Lines longer than this are skipped (and counted), so one huge line cannot exhaust memory. */
export const MAX_LINE = 16 << 20;
const NEWLINE = 10;

export type Encoding = 'plain' | 'zstd' | 'gzip';

export function detectEncoding(head: Buffer): Encoding {
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return 'plain';
}

/** A NUL byte in the first KiB of plain bytes: not a log. */
export function looksBinary(head: Buffer): boolean {
  return head.subarray(0, 1024).includes(0);
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

const NEEDLES: Record<Exclude<Family, 'text'>, Buffer[]> = {
  json: JSON_NEEDLES.map((n) => Buffer.from(n)),
  // `n_co` is in both toke(n_co)unt and tur(n_co)ntext: one pass over a rollout instead of two.
  // A rare false hit is parsed and ignored.
  rollout: ['n_co'].map((n) => Buffer.from(n)),
  transcript: ['"usage"'].map((n) => Buffer.from(n)),
};

const TOKEN_COUNT = Buffer.from('token_count');
const TURN_CONTEXT = Buffer.from('turn_context');

/** Confirms a needle hit is one of the words it stands for (an O(1) check, no decoding). */
const VERIFY: Record<
  Exclude<Family, 'text'>,
  ((buf: Buffer, hit: number) => boolean) | undefined
> = {
  json: undefined,
  transcript: undefined,
  rollout: (buf, hit) =>
    (hit >= 4 && buf.compare(TOKEN_COUNT, 0, 11, hit - 4, hit + 7) === 0) ||
    (hit >= 3 && buf.compare(TURN_CONTEXT, 0, 12, hit - 3, hit + 9) === 0),
};

export function classify(firstLine: string): Family {
  const text = firstLine.trim();
  if (!text.startsWith('{')) return 'text';
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o.type === 'session_meta') return 'rollout';
    if (typeof o.sessionId === 'string' && typeof o.type === 'string') return 'transcript';
  } catch {
    // a broken first line says nothing about the rest
  }
  return 'json';
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
      this.family = classify(
        decodeLine(buf, pos, nl === -1 ? Math.min(buf.length, pos + 4096) : nl),
      );
    }
    const last = buf.lastIndexOf(NEWLINE);
    const end = last < pos ? pos : last + 1;
    if (end > pos) {
      if (this.family === 'text') this.scanAll(buf, pos, end, base);
      else this.scanNeedles(NEEDLES[this.family], VERIFY[this.family], buf, pos, end, base);
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
      this.parser.line(decodeLine(rest, 0, rest.length), base, false);
      // The line may still be growing ("tokens used: 1" of "…: 10"): its events are recorded
      // now but replaced when the line is read again, complete.
      const tail = this.parser.events.slice(before).map((e) => e.fingerprint);
      if (tail.length > 0) state.provisional = tail;
    }
    return state;
  }

  private scanAll(buf: Buffer, from: number, end: number, base: number): void {
    let start = from;
    while (start < end) {
      const nl = buf.indexOf(NEWLINE, start);
      const stop = nl === -1 || nl >= end ? end : nl;
      this.parser.line(decodeLine(buf, start, stop), base + start);
      start = stop + 1;
    }
  }

  private scanNeedles(
    needles: Buffer[],
    verify: ((buf: Buffer, hit: number) => boolean) | undefined,
    buf: Buffer,
    from: number,
    end: number,
    base: number,
  ): void {
    const region = buf.subarray(0, end);
    const next = needles.map(() => -2);
    let pos = from;
    while (pos < end) {
      // A `tokens used` line without its number: the number is on a following line.
      while (this.parser.pendingOffset() !== undefined && pos < end) {
        let nl = region.indexOf(NEWLINE, pos);
        if (nl === -1) nl = end;
        this.parser.line(decodeLine(region, pos, nl), base + pos);
        pos = nl + 1;
      }
      if (pos >= end) return;
      let hit = end;
      for (let n = 0; n < needles.length; n++) {
        let at = next[n]!;
        if (at !== -1 && at < pos) {
          at = region.indexOf(needles[n]!, pos);
          next[n] = at;
        }
        if (at !== -1 && at < hit) hit = at;
      }
      if (hit >= end) return;
      if (verify && !verify(region, hit)) {
        pos = hit + 1; // a false hit inside some other word: look further
        continue;
      }
      const lineStart = Math.max(pos, region.lastIndexOf(NEWLINE, hit) + 1);
      let lineEnd = region.indexOf(NEWLINE, hit);
      if (lineEnd === -1) lineEnd = end;
      this.parser.line(decodeLine(region, lineStart, lineEnd), base + lineStart);
      pos = lineEnd + 1;
    }
  }
}

function decodeLine(buf: Buffer, start: number, end: number): string {
  const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
  return buf.toString('utf8', start, stop);
}

/**
 * A reusable window over a byte stream: the unfinished tail of one chunk stays at the front and
 * the next chunk lands right after it, so bytes are copied only when a line spans chunks.
 */
let spare: Buffer | undefined;

class Window {
  // One buffer reused from file to file: allocating megabytes per file keeps the GC busy.
  buf = spare ?? Buffer.allocUnsafe(2 * CHUNK);
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
}

/**
 * Reads `path` from byte `from` (plain files) or whole (compressed files, which are replaced,
 * not appended) and feeds the parser.
 */
export async function readMarkers(
  path: string,
  parser: MarkerParser,
  options: { from: number; encoding: Encoding; family?: Family },
): Promise<ReadOutcome> {
  const from = options.encoding === 'plain' ? options.from : 0;
  const feeder = new LineFeeder(parser, from, options.family);
  const window = new Window(from);
  const feed = () => window.consume(feeder.process(window.view(), window.base));
  let bytesRead = 0;
  if (options.encoding === 'plain') {
    // Synchronous reads: no thread-pool round trip per chunk, and nothing else runs meanwhile.
    const fd = openSync(path, 'r');
    try {
      let position = from;
      for (;;) {
        window.reserve(CHUNK);
        const n = readSync(fd, window.buf, window.length, CHUNK, position);
        if (n === 0) break;
        bytesRead += n;
        position += n;
        window.length += n;
        feed();
      }
    } finally {
      closeSync(fd);
    }
  } else {
    const handle = await open(path, 'r');
    try {
      const stream = handle.createReadStream({ highWaterMark: CHUNK, autoClose: false });
      if (options.encoding === 'zstd') {
        const zstd = new Decompress((data) => {
          window.append(data);
          if (window.length >= CHUNK) feed();
        });
        for await (const chunk of stream) {
          bytesRead += (chunk as Buffer).length;
          zstd.push(chunk as Buffer);
        }
        zstd.push(new Uint8Array(0), true);
      } else {
        for await (const chunk of stream.pipe(createGunzip())) {
          window.append(chunk as Buffer);
          if (window.length >= CHUNK) feed();
        }
        bytesRead = (await handle.stat()).size;
      }
      feed();
    } finally {
      await handle.close();
    }
  }
  const state = feeder.finish(window.view(), window.base);
  spare = window.buf.length <= 8 * CHUNK ? window.buf : undefined;
  return { bytesRead, committed: feeder.committed, state, family: feeder.family ?? 'text' };
}
