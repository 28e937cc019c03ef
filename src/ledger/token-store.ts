import type { Db } from './open.js';
import type { RateLimitSample, TokenEvent } from '../tokens/types.js';

/** All SQL for token sources and events. Every write runs inside the caller's transaction. */

export interface SourceRow {
  id: number;
  lineage: string;
  path: string;
  dev: number | null;
  ino: number | null;
  head_hash: string;
  head_len: number;
  size: number;
  offset: number;
  tail_hash: string | null;
  encoding: string;
  family: string | null;
  state: string | null;
  mtime_ms: number | null;
}

export interface NewSource {
  lineage: string;
  path: string;
  dev: number;
  ino: number;
  headHash: string;
  headLen: number;
  size: number;
  offset: number;
  tailHash: string | null;
  encoding: string;
  family: string | undefined;
  state: string | null;
  mtimeMs: number;
  now: number;
}

export interface StoredEvent extends TokenEvent {
  bucket: string;
  sourceId: number;
  sourcePath: string;
}

export type EventWrite = 'inserted' | 'grew' | 'duplicate';

export class TokenStore {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      candidates: db.prepare(
        `SELECT * FROM token_sources WHERE (dev = ? AND ino = ?) OR path = ?
         ORDER BY (dev = ? AND ino = ?) DESC, last_ingested DESC, id DESC`,
      ),
      byPath: db.prepare(
        `SELECT * FROM token_sources WHERE path = ? ORDER BY last_ingested DESC, id DESC`,
      ),
      headLengths: db.prepare(
        `SELECT DISTINCT head_len AS len FROM token_sources WHERE head_len <= ?`,
      ),
      byHead: db.prepare(
        `SELECT * FROM token_sources WHERE head_len = ? AND head_hash = ? ORDER BY last_ingested DESC, id DESC`,
      ),
      insertSource: db.prepare(
        `INSERT INTO token_sources (lineage, path, dev, ino, head_hash, head_len, size, offset, tail_hash,
           encoding, family, state, mtime_ms, first_seen, last_ingested)
         VALUES (@lineage, @path, @dev, @ino, @headHash, @headLen, @size, @offset, @tailHash,
           @encoding, @family, @state, @mtimeMs, @now, @now)`,
      ),
      updateSource: db.prepare(
        `UPDATE token_sources SET path = @path, dev = @dev, ino = @ino, head_hash = @headHash,
           head_len = @headLen, size = @size, offset = @offset, tail_hash = @tailHash,
           encoding = @encoding, family = @family, state = @state, mtime_ms = @mtimeMs,
           last_ingested = @now
         WHERE id = @id`,
      ),
      insertEvent: db.prepare(
        `INSERT OR IGNORE INTO token_events (fingerprint, at, at_source, agent, model, bucket, format,
           input, cached_input, cache_creation, output, reasoning, total, source_id, source_path,
           source_offset, session_id)
         VALUES (@fingerprint, @at, @atSource, @agent, @model, @bucket, @format, @input, @cachedInput,
           @cacheCreation, @output, @reasoning, @total, @sourceId, @sourcePath, @offset, @sessionId)`,
      ),
      deleteEvent: db.prepare(`DELETE FROM token_events WHERE fingerprint = ? RETURNING total`),
      totalOf: db.prepare(`SELECT id, total FROM token_events WHERE fingerprint = ?`),
      growEvent: db.prepare(
        `UPDATE token_events SET at = @at, model = coalesce(@model, model), input = @input,
           cached_input = @cachedInput, cache_creation = @cacheCreation, output = @output,
           reasoning = @reasoning, total = @total
         WHERE fingerprint = @fingerprint AND total < @total`,
      ),
      insertSample: db.prepare(
        `INSERT OR IGNORE INTO rate_limit_samples (provider, window_minutes, used_percent, resets_at, at, source_path)
         VALUES (@provider, @windowMinutes, @usedPercent, @resetsAt, @at, @sourcePath)`,
      ),
      insertRun: db.prepare(
        `INSERT INTO ingest_runs (started_at, finished_at, files_read, new_events, new_tokens, lines_skipped, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Rows that may be this file's lineage: same inode first, then same path, newest first. */
  candidates(path: string, dev: number, ino: number): SourceRow[] {
    return this.q.candidates.all(dev, ino, path, dev, ino) as SourceRow[];
  }

  /** Rows whose recorded first bytes equal the start of `head` (a file moved by copy, say). */
  byHead(head: Buffer, hash: (b: Buffer) => string): SourceRow[] {
    const lengths = (this.q.headLengths.all(head.length) as { len: number }[]).map((r) => r.len);
    return lengths.flatMap(
      (len) => this.q.byHead.all(len, hash(head.subarray(0, len))) as SourceRow[],
    );
  }

  byPath(path: string): SourceRow[] {
    return this.q.byPath.all(path) as SourceRow[];
  }

  insertSource(source: NewSource): number {
    return Number(
      this.q.insertSource.run({ ...source, family: source.family ?? null }).lastInsertRowid,
    );
  }

  updateSource(id: number, source: NewSource): void {
    this.q.updateSource.run({ ...source, id, family: source.family ?? null });
  }

  /**
   * Inserts an event unless its fingerprint is known. Transcript lines that share a fingerprint
   * keep the largest usage: the growth is returned so totals stay exact.
   */
  writeEvent(e: StoredEvent): { write: EventWrite; tokens: number } {
    const row = {
      fingerprint: e.fingerprint,
      at: e.at,
      atSource: e.atSource,
      agent: e.agent,
      model: e.model ?? null,
      bucket: e.bucket,
      format: e.format,
      input: e.input ?? null,
      cachedInput: e.cachedInput ?? null,
      cacheCreation: e.cacheCreation ?? null,
      output: e.output ?? null,
      reasoning: e.reasoning ?? null,
      total: e.total,
      sourceId: e.sourceId,
      sourcePath: e.sourcePath,
      offset: e.offset,
      sessionId: e.sessionId ?? null,
    };
    if (this.q.insertEvent.run(row).changes === 1) return { write: 'inserted', tokens: e.total };
    if (!e.keepLargest) return { write: 'duplicate', tokens: 0 };
    const existing = this.q.totalOf.get(e.fingerprint) as { total: number } | undefined;
    if (!existing || existing.total >= e.total) return { write: 'duplicate', tokens: 0 };
    this.q.growEvent.run(row);
    return { write: 'grew', tokens: e.total - existing.total };
  }

  /** Removes events by fingerprint; returns how many and their tokens. */
  deleteEvents(fingerprints: readonly string[]): { events: number; tokens: number } {
    let events = 0;
    let tokens = 0;
    for (const f of fingerprints) {
      const row = this.q.deleteEvent.get(f) as { total: number } | undefined;
      if (row) {
        events++;
        tokens += row.total;
      }
    }
    return { events, tokens };
  }

  writeSample(s: RateLimitSample, sourcePath: string): boolean {
    return (
      this.q.insertSample.run({ ...s, resetsAt: s.resetsAt ?? null, sourcePath }).changes === 1
    );
  }

  recordRun(
    startedAt: number,
    finishedAt: number,
    summary: {
      filesRead: number;
      newEvents: number;
      newTokens: number;
      linesSkipped: number;
    },
  ): void {
    this.q.insertRun.run(
      startedAt,
      finishedAt,
      summary.filesRead,
      summary.newEvents,
      summary.newTokens,
      summary.linesSkipped,
      JSON.stringify(summary),
    );
  }
}
