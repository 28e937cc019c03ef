import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HEAD, TAIL, planRead, type FileView, type ReadPlan } from '../../src/tokens/identity.js';
import type { KnownSource } from '../../src/core/tokens.js';
import { shortHash } from '../../src/tokens/parse.js';
import type { Encoding } from '../../src/tokens/read.js';

/**
 * planRead against a tiny in-memory file system: each row is a world (path → file), the ledger's
 * sources (as src/tokens/ingest.ts records them after a read) and the file to plan.
 */

interface FakeFile {
  dev?: number;
  ino: number;
  /** The raw bytes on disk. */
  bytes: Buffer;
  mtimeMs?: number;
  encoding?: Encoding;
  /** The decoded content of a compressed or UTF-16 file. */
  decoded?: Buffer;
}

type World = Record<string, FakeFile>;

const DEV = 1;
/** The machine planning; sources of another machine are only ever joined. */
const HERE = 'machine-here';
const MTIME = 1_000;

const hash = (b: Buffer) => shortHash(b);

/** `n` log lines; different tags give different content (and different first bytes). */
const lines = (tag: string, n: number) =>
  Buffer.from(
    Array.from({ length: n }, (_, i) => `${tag} line ${i} tokens used: ${i * 7}\n`).join(''),
  );

const X = lines('alpha', 80); // ~2.4 KB: longer than HEAD + TAIL
const MORE = lines('more', 5);
const Y = lines('beta', 80);
const SHORT = lines('fresh', 3);
/** X with its last bytes rewritten: the same first HEAD bytes, another tail. */
const X_REWRITTEN = Buffer.concat([
  X.subarray(0, X.length - 100),
  Buffer.from('z'.repeat(99) + '\n'),
]);
const GZ_X = gzipSync(X);
const GZ_Y = gzipSync(Y);
/** A second gzip member appended to GZ_X (`cat more.gz >> x.gz`): same first bytes, longer. */
const GZ_X_MORE = Buffer.concat([GZ_X, gzipSync(MORE)]);
const U16_X = Buffer.from(X.toString('latin1'), 'utf16le');
const U16_X_MORE = Buffer.from(Buffer.concat([X, MORE]).toString('latin1'), 'utf16le');

/** The planner's view of `path` in `world` (reads only what it is asked for). */
function viewOf(world: World, path: string): FileView {
  const f = world[path];
  if (!f) throw new Error(`no file ${path} in this world`);
  return {
    machine: HERE,
    path,
    dev: f.dev ?? DEV,
    ino: f.ino,
    size: f.bytes.length,
    mtimeMs: f.mtimeMs ?? MTIME,
    encoding: f.encoding ?? 'plain',
    hashRaw: (start, length) =>
      start + length > f.bytes.length ? undefined : hash(f.bytes.subarray(start, start + length)),
    hashDecodedHead: (length) =>
      f.decoded && f.decoded.length >= length ? hash(f.decoded.subarray(0, length)) : undefined,
    // As ingest's stillThere: same identity at its path, at least as long, same first bytes.
    stillThere: (s) => {
      const there = world[s.path];
      if (!there || there.ino !== s.ino || (there.dev ?? DEV) !== s.dev) return false;
      if (there.bytes.length < s.offset || there.bytes.length < s.headLen) return false;
      return hash(there.bytes.subarray(0, s.headLen)) === s.headHash;
    },
  };
}

interface SourceOptions {
  id: number;
  /** The machine that read it; default: this one. */
  machine?: string;
  lineage?: string;
  path: string;
  dev?: number;
  ino: number;
  /** Where the last read stopped (decoded bytes for a compressed file); default: the size. */
  offset?: number;
  encoding?: Encoding;
  /** The file's size when it was read; default: the bytes' length. */
  size?: number;
  mtimeMs?: number;
  family?: string;
  state?: string;
}

/**
 * The row ingest writes after reading `bytes` (the raw file as it was then): headHash over the
 * first min(HEAD, size) raw bytes (planFile), tailHash over the TAIL bytes before the offset of a
 * plain file, null otherwise (finishFile).
 */
function sourceOf(bytes: Buffer, o: SourceOptions): KnownSource {
  const size = o.size ?? bytes.length;
  const encoding = o.encoding ?? 'plain';
  const offset = o.offset ?? size;
  const headLen = Math.min(HEAD, size);
  const tailStart = Math.max(0, offset - TAIL);
  return {
    id: o.id,
    machine: o.machine ?? HERE,
    lineage: o.lineage ?? `lineage-${o.id}`,
    path: o.path,
    dev: o.dev ?? DEV,
    ino: o.ino,
    headHash: hash(bytes.subarray(0, headLen)),
    headLen,
    size,
    offset,
    tailHash: encoding === 'plain' && offset > 0 ? hash(bytes.subarray(tailStart, offset)) : null,
    encoding,
    family: o.family ?? null,
    state: o.state ?? null,
    mtimeMs: o.mtimeMs ?? MTIME,
  };
}

/**
 * The rows the store would hand the planner (TokenStore.knownSources): same identity or path,
 * or first bytes (raw or decoded) equal to a row's head.
 */
function knownFor(world: World, path: string, ledger: readonly KnownSource[]): KnownSource[] {
  const f = world[path]!;
  const heads = [f.bytes.subarray(0, HEAD), ...(f.decoded ? [f.decoded.subarray(0, HEAD)] : [])];
  return ledger.filter(
    (s) =>
      (s.machine === HERE && ((s.dev === (f.dev ?? DEV) && s.ino === f.ino) || s.path === path)) ||
      heads.some((h) => h.length >= s.headLen && hash(h.subarray(0, s.headLen)) === s.headHash),
  );
}

/** The fields of a plan a row asserts: its kind, source id, lineage, `from`, verify. */
function summary(plan: ReadPlan): Record<string, unknown> {
  switch (plan.kind) {
    case 'unchanged':
    case 'reread':
      return { kind: plan.kind, source: plan.source.id };
    case 'resume':
      return {
        kind: plan.kind,
        source: plan.source.id,
        from: plan.from,
        ...(plan.family !== undefined ? { family: plan.family } : {}),
        ...(plan.state !== undefined ? { state: plan.state } : {}),
      };
    case 'join':
      return {
        kind: plan.kind,
        lineage: plan.lineage,
        ...(plan.verify ? { verify: plan.verify } : {}),
      };
    case 'new':
      return { kind: plan.kind };
  }
}

// The ledger rows the cases share.
const sA = sourceOf(X, { id: 1, lineage: 'A', path: '/logs/agent.log', ino: 10 });
const sAWithState = sourceOf(X, {
  id: 1,
  lineage: 'A',
  path: '/logs/agent.log',
  ino: 10,
  family: 'text',
  state: JSON.stringify({ lastTs: 1_700_000_000_000 }),
});
const sGz = sourceOf(GZ_X, {
  id: 2,
  lineage: 'G',
  path: '/logs/agent.log.2.gz',
  ino: 30,
  encoding: 'gzip',
  offset: X.length,
});
const sU16 = sourceOf(U16_X, {
  id: 3,
  lineage: 'U',
  path: '/logs/agent.u16.log',
  ino: 40,
  encoding: 'utf16le',
  offset: X.length,
});

interface Row {
  name: string;
  world: World;
  ledger: KnownSource[];
  plan: string;
  claimed?: number[];
  expected: Record<string, unknown>;
}

const rows: Row[] = [
  // Plain files.
  {
    name: 'an unknown file is new',
    world: { '/logs/agent.log': { ino: 10, bytes: X } },
    ledger: [],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'the same file, same inode, path and size = offset, is unchanged',
    world: { '/logs/agent.log': { ino: 10, bytes: X } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'unchanged', source: 1 },
  },
  {
    name: 'an appended file resumes from the old offset',
    world: { '/logs/agent.log': { ino: 10, bytes: Buffer.concat([X, MORE]) } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'a resumed file carries the parser state and family of its source',
    world: { '/logs/agent.log': { ino: 10, bytes: Buffer.concat([X, MORE]) } },
    ledger: [sAWithState],
    plan: '/logs/agent.log',
    expected: {
      kind: 'resume',
      source: 1,
      from: X.length,
      family: 'text',
      state: { lastTs: 1_700_000_000_000 },
    },
  },
  {
    name: 'a renamed file (same inode, new path) resumes',
    world: { '/logs/agent.log.1': { ino: 10, bytes: X } },
    ledger: [sA],
    plan: '/logs/agent.log.1',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'logrotate rename: the renamed file (appended before the rotation) resumes',
    world: {
      '/logs/agent.log.1': { ino: 10, bytes: Buffer.concat([X, MORE]) },
      '/logs/agent.log': { ino: 11, bytes: Y },
    },
    ledger: [sA],
    plan: '/logs/agent.log.1',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'logrotate rename: the new file at the old path, with other content, is new',
    world: {
      '/logs/agent.log.1': { ino: 10, bytes: Buffer.concat([X, MORE]) },
      '/logs/agent.log': { ino: 11, bytes: Y },
    },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a file truncated below the offset (same first bytes) is new',
    world: { '/logs/agent.log': { ino: 10, bytes: X.subarray(0, HEAD + 300) } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a file truncated and refilled with short other content is new',
    world: { '/logs/agent.log': { ino: 10, bytes: SHORT } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a file rewritten to the same size with another tail is new',
    world: { '/logs/agent.log': { ino: 10, bytes: X_REWRITTEN } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a file rewritten bigger with another tail is new',
    world: { '/logs/agent.log': { ino: 10, bytes: Buffer.concat([X_REWRITTEN, MORE]) } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a file rewritten with other content entirely is new',
    world: { '/logs/agent.log': { ino: 10, bytes: Y } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  // Copies.
  {
    name: 'copy-and-delete (new inode, same content, original gone) resumes the original',
    world: { '/archive/agent.log': { ino: 20, bytes: X } },
    ledger: [sA],
    plan: '/archive/agent.log',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'copy-and-delete, then appended, resumes the original from its offset',
    world: { '/archive/agent.log': { ino: 20, bytes: Buffer.concat([X, MORE]) } },
    ledger: [sA],
    plan: '/archive/agent.log',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'moved onto the same path from another file system (new inode) resumes',
    world: { '/logs/agent.log': { ino: 21, bytes: Buffer.concat([X, MORE]) } },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'a copy beside its still-present original is new',
    world: {
      '/logs/agent.log': { ino: 10, bytes: X },
      '/logs/agent-copy.log': { ino: 20, bytes: X },
    },
    ledger: [sA],
    plan: '/logs/agent-copy.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a copy beside its original that has grown since is new',
    world: {
      '/logs/agent.log': { ino: 10, bytes: Buffer.concat([X, MORE]) },
      '/logs/agent-copy.log': { ino: 20, bytes: X },
    },
    ledger: [sA],
    plan: '/logs/agent-copy.log',
    expected: { kind: 'new' },
  },
  {
    name: 'copytruncate: the copy (old content and more) resumes the original source',
    world: {
      '/logs/agent.log': { ino: 10, bytes: SHORT },
      '/logs/agent.log.1': { ino: 20, bytes: Buffer.concat([X, MORE]) },
    },
    ledger: [sA],
    plan: '/logs/agent.log.1',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'copytruncate: the original (same path and inode, short new content) is new',
    world: {
      '/logs/agent.log': { ino: 10, bytes: SHORT },
      '/logs/agent.log.1': { ino: 20, bytes: Buffer.concat([X, MORE]) },
    },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'copytruncate: the original, refilled past the old offset with new content, is new',
    world: {
      '/logs/agent.log': { ino: 10, bytes: Y },
      '/logs/agent.log.1': { ino: 20, bytes: Buffer.concat([X, MORE]) },
    },
    ledger: [sA],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  // Compressed and UTF-16 files.
  {
    name: 'a gzip whose decoded head is a known plain lineage joins it, verified at its offset',
    world: {
      '/logs/agent.log': { ino: 11, bytes: Y },
      '/logs/agent.log.1.gz': { ino: 30, bytes: GZ_X, encoding: 'gzip', decoded: X },
    },
    ledger: [sA],
    plan: '/logs/agent.log.1.gz',
    expected: { kind: 'join', lineage: 'A', verify: { offset: X.length, tailHash: sA.tailHash } },
  },
  {
    name: 'a gzip of a plain lineage still present (compressed copy) joins it too',
    world: {
      '/logs/agent.log': { ino: 10, bytes: X },
      '/logs/agent.log.gz': { ino: 30, bytes: GZ_X, encoding: 'gzip', decoded: X },
    },
    ledger: [sA],
    plan: '/logs/agent.log.gz',
    expected: { kind: 'join', lineage: 'A', verify: { offset: X.length, tailHash: sA.tailHash } },
  },
  {
    name: 'a gzip whose decoded head differs from every known lineage is new',
    world: { '/logs/other.log.gz': { ino: 31, bytes: GZ_Y, encoding: 'gzip', decoded: Y } },
    ledger: [sA, sGz],
    plan: '/logs/other.log.gz',
    expected: { kind: 'new' },
  },
  {
    name: 'the same compressed file (inode, size, mtime, encoding) is unchanged',
    world: { '/logs/agent.log.2.gz': { ino: 30, bytes: GZ_X, encoding: 'gzip', decoded: X } },
    ledger: [sA, sGz],
    plan: '/logs/agent.log.2.gz',
    expected: { kind: 'unchanged', source: 2 },
  },
  {
    name: 'a compressed file renamed by the next rotation (same inode) is unchanged',
    world: { '/logs/agent.log.3.gz': { ino: 30, bytes: GZ_X, encoding: 'gzip', decoded: X } },
    ledger: [sA, sGz],
    plan: '/logs/agent.log.3.gz',
    expected: { kind: 'unchanged', source: 2 },
  },
  {
    name: 'a compressed file at a known path, same head, bigger and newer, is read again',
    world: {
      '/logs/agent.log.2.gz': {
        ino: 30,
        bytes: GZ_X_MORE,
        mtimeMs: MTIME + 60_000,
        encoding: 'gzip',
        decoded: Buffer.concat([X, MORE]),
      },
    },
    ledger: [sGz],
    plan: '/logs/agent.log.2.gz',
    expected: { kind: 'reread', source: 2 },
  },
  {
    name: 'a compressed file at a known path, same bytes, only a newer mtime, is read again',
    world: {
      '/logs/agent.log.2.gz': {
        ino: 30,
        bytes: GZ_X,
        mtimeMs: MTIME + 60_000,
        encoding: 'gzip',
        decoded: X,
      },
    },
    ledger: [sGz],
    plan: '/logs/agent.log.2.gz',
    expected: { kind: 'reread', source: 2 },
  },
  {
    name: 'a byte-identical copy of a known compressed file under another name joins its lineage',
    world: {
      '/logs/agent.log.2.gz': { ino: 30, bytes: GZ_X, encoding: 'gzip', decoded: X },
      '/backup/agent.log.2.gz': { ino: 50, bytes: GZ_X, encoding: 'gzip', decoded: X },
    },
    ledger: [sGz],
    plan: '/backup/agent.log.2.gz',
    expected: { kind: 'join', lineage: 'G' },
  },
  {
    name: 'the same UTF-16 file is unchanged',
    world: { '/logs/agent.u16.log': { ino: 40, bytes: U16_X, encoding: 'utf16le', decoded: X } },
    ledger: [sU16],
    plan: '/logs/agent.u16.log',
    expected: { kind: 'unchanged', source: 3 },
  },
  {
    name: 'a UTF-16 file appended to is read again whole',
    world: {
      '/logs/agent.u16.log': {
        ino: 40,
        bytes: U16_X_MORE,
        mtimeMs: MTIME + 60_000,
        encoding: 'utf16le',
        decoded: Buffer.concat([X, MORE]),
      },
    },
    ledger: [sU16],
    plan: '/logs/agent.u16.log',
    expected: { kind: 'reread', source: 3 },
  },
  // Sources already continued by another file of the same run.
  {
    name: 'two copies of a deleted original: unclaimed, the second copy would resume it',
    world: {
      '/archive/a.log': { ino: 20, bytes: Buffer.concat([X, MORE]) },
      '/archive/b.log': { ino: 21, bytes: Buffer.concat([X, Y]) },
    },
    ledger: [sA],
    plan: '/archive/b.log',
    expected: { kind: 'resume', source: 1, from: X.length },
  },
  {
    name: 'two copies of a deleted original: once claimed by the first, the second is new',
    world: {
      '/archive/a.log': { ino: 20, bytes: Buffer.concat([X, MORE]) },
      '/archive/b.log': { ino: 21, bytes: Buffer.concat([X, Y]) },
    },
    ledger: [sA],
    plan: '/archive/b.log',
    claimed: [1],
    expected: { kind: 'new' },
  },
  // Another machine's sources: the same path there is another file; a copy synced from there
  // is read whole under that machine's lineage (so what it counted is recognised by position).
  {
    name: 'a file synced from another machine (same path, same inode number) joins its lineage',
    world: { '/logs/agent.log': { ino: 10, bytes: X } },
    ledger: [
      sourceOf(X, { id: 5, machine: 'elsewhere', lineage: 'A', path: '/logs/agent.log', ino: 10 }),
    ],
    plan: '/logs/agent.log',
    expected: { kind: 'join', lineage: 'A' },
  },
  {
    name: 'a synced copy that has grown since the other machine read it joins its lineage',
    world: { '/sync/agent.log': { ino: 77, bytes: Buffer.concat([X, MORE]) } },
    ledger: [
      sourceOf(X, { id: 5, machine: 'elsewhere', lineage: 'A', path: '/logs/agent.log', ino: 10 }),
    ],
    plan: '/sync/agent.log',
    expected: { kind: 'join', lineage: 'A' },
  },
  {
    name: 'the same path on another machine with other content is a new file',
    world: { '/logs/agent.log': { ino: 10, bytes: MORE } },
    ledger: [
      sourceOf(X, { id: 5, machine: 'elsewhere', lineage: 'A', path: '/logs/agent.log', ino: 10 }),
    ],
    plan: '/logs/agent.log',
    expected: { kind: 'new' },
  },
  {
    name: 'a renamed file whose source is already claimed is new',
    world: { '/logs/agent.log.1': { ino: 10, bytes: Buffer.concat([X, MORE]) } },
    ledger: [sA],
    plan: '/logs/agent.log.1',
    claimed: [1],
    expected: { kind: 'new' },
  },
];

describe('planRead', () => {
  it.each(rows)('$name', ({ world, ledger, plan, claimed, expected }) => {
    const file = viewOf(world, plan);
    const known = knownFor(world, plan, ledger);
    expect(summary(planRead(file, known, new Set(claimed)))).toEqual(expected);
  });

  it('plans the files of one run in turn: a source is resumed by one file only', () => {
    const world: World = {
      '/archive/a.log': { ino: 20, bytes: Buffer.concat([X, MORE]) },
      '/archive/b.log': { ino: 21, bytes: Buffer.concat([X, Y]) },
    };
    const claimed = new Set<number>();
    const plans = ['/archive/a.log', '/archive/b.log'].map((path) => {
      const plan = planRead(viewOf(world, path), knownFor(world, path, [sA]), claimed);
      if (plan.kind === 'resume') claimed.add(plan.source.id); // as ingest's planFile does
      return summary(plan);
    });
    expect(plans).toEqual([{ kind: 'resume', source: 1, from: X.length }, { kind: 'new' }]);
  });
});
