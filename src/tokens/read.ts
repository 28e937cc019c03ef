import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { JSON_NEEDLES, type MarkerParser } from './parse.js';

/**
 * Feeds a file's lines to a MarkerParser, reading only from `from` on. Most bytes of agent logs
 * are messages and tool output: in JSON-lines files only the lines holding a needle are decoded.
 */

const CHUNK = 1 << 20;
/** Lines longer than this are skipped (and counted), so one huge line cannot exhaust memory. */
export const MAX_LINE = 16 << 20;
const NEWLINE = 10;
const NEEDLES = JSON_NEEDLES.map((n) => Buffer.from(n));

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
  /** First byte was '{': lines without a needle are skipped undecoded. */
  jsonFamily: boolean;
}

/** Splits chunks into lines with absolute offsets and hands the relevant ones to the parser. */
class LineFeeder {
  private carry: Buffer | undefined;
  private carryOffset: number;
  private skipping = false;
  jsonFamily: boolean | undefined;
  committed: number;

  constructor(
    private readonly parser: MarkerParser,
    start: number,
    jsonFamily: boolean | undefined,
  ) {
    this.carryOffset = start;
    this.committed = start;
    this.jsonFamily = jsonFamily;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    const base = this.carryOffset;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    if (this.jsonFamily === undefined && buf.length > 0) {
      let i = 0;
      while (
        i < buf.length &&
        (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)
      )
        i++;
      if (i < buf.length) this.jsonFamily = buf[i] === 0x7b;
    }
    let pos = 0;
    if (this.skipping) {
      const nl = buf.indexOf(NEWLINE);
      if (nl === -1) {
        this.carryOffset = base + buf.length;
        this.committed = this.carryOffset;
        return;
      }
      this.skipping = false;
      pos = nl + 1;
      this.committed = base + pos;
    }
    const last = buf.lastIndexOf(NEWLINE);
    const end = last === -1 ? pos : Math.max(pos, last + 1);
    if (end > pos) {
      if (this.jsonFamily) this.scanNeedles(buf, pos, end, base);
      else this.scanAll(buf, pos, end, base);
      this.committed = base + end;
    }
    const rest = buf.length - end;
    if (rest > MAX_LINE) {
      this.parser.skip('oversized-line');
      this.skipping = true;
      this.carryOffset = base + buf.length;
      this.committed = this.carryOffset;
      return;
    }
    if (rest > 0) this.carry = Buffer.from(buf.subarray(end));
    this.carryOffset = base + end;
  }

  /** The unterminated last line, if any: parsed, but not committed (it may still be growing). */
  finish(): ReturnType<MarkerParser['snapshot']> {
    const state = this.parser.snapshot();
    if (this.carry && !this.skipping && this.carry.length > 0) {
      const text = decodeLine(this.carry, 0, this.carry.length);
      this.parser.line(text, this.carryOffset, false);
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

  private scanNeedles(buf: Buffer, from: number, end: number, base: number): void {
    const region = buf.subarray(0, end);
    const next = NEEDLES.map(() => -2);
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
      for (let n = 0; n < NEEDLES.length; n++) {
        let at = next[n] as number;
        if (at !== -1 && at < pos) {
          at = region.indexOf(NEEDLES[n] as Buffer, pos);
          next[n] = at;
        }
        if (at !== -1 && at < hit) hit = at;
      }
      if (hit >= end) return;
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
 * Reads `path` from byte `from` (plain files) or whole (compressed files, which are replaced,
 * not appended) and feeds the parser.
 */
export async function readMarkers(
  path: string,
  parser: MarkerParser,
  options: { from: number; encoding: Encoding; jsonFamily?: boolean },
): Promise<ReadOutcome> {
  const from = options.encoding === 'plain' ? options.from : 0;
  const feeder = new LineFeeder(parser, from, options.jsonFamily);
  const handle = await open(path, 'r');
  let bytesRead = 0;
  try {
    if (options.encoding === 'plain') {
      const buffer = Buffer.allocUnsafe(CHUNK);
      let position = from;
      for (;;) {
        const { bytesRead: n } = await handle.read(buffer, 0, CHUNK, position);
        if (n === 0) break;
        bytesRead += n;
        position += n;
        feeder.push(buffer.subarray(0, n));
      }
    } else if (options.encoding === 'zstd') {
      const zstd = new Decompress((data) =>
        feeder.push(Buffer.from(data.buffer, data.byteOffset, data.length)),
      );
      for await (const chunk of handle.createReadStream({
        highWaterMark: CHUNK,
        autoClose: false,
      })) {
        bytesRead += (chunk as Buffer).length;
        zstd.push(chunk as Buffer);
      }
      zstd.push(new Uint8Array(0), true);
    } else {
      const gunzip = handle
        .createReadStream({ highWaterMark: CHUNK, autoClose: false })
        .pipe(createGunzip());
      for await (const chunk of gunzip) feeder.push(chunk as Buffer);
      bytesRead = (await handle.stat()).size;
    }
  } finally {
    await handle.close();
  }
  const state = feeder.finish();
  return { bytesRead, committed: feeder.committed, state, jsonFamily: feeder.jsonFamily ?? false };
}
