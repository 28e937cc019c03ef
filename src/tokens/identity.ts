import type { KnownSource } from '../core/tokens.js';
import type { ParserState } from './parse.js';
import type { Encoding, Family } from './read.js';

/**
 * File identity: which known lineage a file on disk continues, and which of its bytes are new.
 * Pure: it decides from a snapshot of the known sources and what the file system says about the
 * file, asked through a small port, so every case (append, rename, logrotate with or without
 * compression, copytruncate, copy-and-delete, truncation, links) has a table test.
 */

/** Bytes compared at the start and before the resume point of a file. */
export const HEAD = 1024;
export const TAIL = 256;

/** What the planner may ask of the file being planned and of the file system. */
export interface FileView {
  /** The machine reading it: another machine's source is never resumed or taken over. */
  machine: string;
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  encoding: Encoding;
  /** Hash of raw bytes [start, start + length), or undefined when the file is shorter. */
  hashRaw(start: number, length: number): string | undefined;
  /** Hash of the first `length` decoded bytes of a compressed or UTF-16 file, if that many. */
  hashDecodedHead(length: number): string | undefined;
  /**
   * Whether the file a source describes is still where it was, with the content it had: same
   * identity at its path, at least as long, same first bytes. (A copytruncate original is not.)
   */
  stillThere(source: KnownSource): boolean;
}

export type ReadPlan =
  /** Nothing new. */
  | { kind: 'unchanged'; source: KnownSource }
  /** The same lineage continues in this file from `from` (appended, renamed, moved). */
  | {
      kind: 'resume';
      source: KnownSource;
      from: number;
      state?: ParserState;
      family?: Family;
    }
  /** A compressed or UTF-16 file that changed: read whole again under the same lineage. */
  | { kind: 'reread'; source: KnownSource }
  /**
   * A new file holding a known lineage's content (a compressed rotation, say): read whole under
   * that lineage, so markers already counted are recognised by position. `verify` is checked
   * while reading (decoded bytes before `offset` must hash to `tailHash`); if it fails, the file
   * is read again as a new lineage.
   */
  | { kind: 'join'; lineage: string; verify?: { offset: number; tailHash: string } }
  /** Content never seen: a new lineage. */
  | { kind: 'new' };

const parseState = (s: KnownSource): ParserState | undefined =>
  s.state ? (JSON.parse(s.state) as ParserState) : undefined;

/** The bytes before a source's resume point are there, unchanged. */
function tailMatches(file: FileView, s: KnownSource): boolean {
  if (s.offset === 0) return true;
  const start = Math.max(0, s.offset - TAIL);
  return s.tailHash !== null && file.hashRaw(start, s.offset - start) === s.tailHash;
}

const sameStart = (file: FileView, s: KnownSource) =>
  s.headLen <= file.size && file.hashRaw(0, s.headLen) === s.headHash;

/**
 * Plans the read of one file. `known` holds every source that may be this file's lineage: rows
 * with the same identity or path, and rows whose first bytes equal this file's (raw or decoded).
 * `claimed` holds sources another file of the same run already continues.
 */
export function planRead(
  file: FileView,
  known: readonly KnownSource[],
  claimed: ReadonlySet<number> = new Set(),
): ReadPlan {
  const sameIdentity = (s: KnownSource) => s.dev === file.dev && s.ino === file.ino;
  // 1. This very file, seen before (same inode, or same path), with the same content so far.
  const ours = (s: KnownSource) => s.machine === file.machine;
  const mine = known
    .filter((s) => ours(s) && (sameIdentity(s) || s.path === file.path) && !claimed.has(s.id))
    .sort((a, b) => Number(sameIdentity(b)) - Number(sameIdentity(a)));
  for (const s of mine) {
    if (!sameStart(file, s)) continue;
    if (file.encoding !== 'plain' || s.encoding !== 'plain') {
      if (s.encoding !== file.encoding) continue;
      const unchanged = s.size === file.size && s.mtimeMs === file.mtimeMs;
      return unchanged ? { kind: 'unchanged', source: s } : { kind: 'reread', source: s };
    }
    if (s.offset > file.size || !tailMatches(file, s)) continue; // truncated or rewritten
    if (s.offset === file.size && s.path === file.path && sameIdentity(s))
      return { kind: 'unchanged', source: s };
    return resume(s);
  }
  // 2. Content of a known plain lineage under a new identity.
  const plainLineages = known.filter(
    (s) => s.encoding === 'plain' && s.offset > 0 && !claimed.has(s.id) && !mine.includes(s),
  );
  if (file.encoding === 'plain') {
    // Moved by copy-and-delete, or the copy logrotate's copytruncate made: the original no
    // longer holds that content, so this file continues the lineage from where it stopped.
    // A copy beside its still-growing original is another file (both may grow differently).
    for (const s of plainLineages) {
      if (s.offset > file.size || !sameStart(file, s) || !tailMatches(file, s)) continue;
      // Another machine's file, synced here: read whole under its lineage (what it holds that
      // is counted already is recognised by position); its source stays that machine's.
      if (!ours(s)) return { kind: 'join', lineage: s.lineage };
      if (file.stillThere(s)) continue;
      return resume(s);
    }
    return { kind: 'new' };
  }
  // A compressed (or UTF-16) file is never appended to. The same file under another name (a
  // rotation renamed or copied) is its lineage; so is a compressed copy of a known plain lineage
  // (logrotate `compress`), whether or not the original is gone.
  for (const s of known) {
    if (s.encoding === file.encoding && s.size === file.size && sameStart(file, s))
      return { kind: 'join', lineage: s.lineage };
  }
  for (const s of plainLineages) {
    if (file.hashDecodedHead(s.headLen) !== s.headHash) continue;
    if (s.tailHash === null) continue;
    return { kind: 'join', lineage: s.lineage, verify: { offset: s.offset, tailHash: s.tailHash } };
  }
  return { kind: 'new' };
}

function resume(s: KnownSource): ReadPlan {
  return {
    kind: 'resume',
    source: s,
    from: s.offset,
    state: parseState(s),
    family: (s.family ?? undefined) as Family | undefined,
  };
}
