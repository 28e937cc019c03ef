import { MarkerParser, shortHash, type ParserState } from './parse.js';
import { readMarkers, type Encoding, type Family } from './read.js';
import type { RateLimitSample, SkipReason, TokenEvent } from '../core/tokens.js';

/**
 * One file's parse: everything between "which bytes to read" and "what to write". Plain data in
 * and out, so it can run on a worker thread as well as inline.
 */

export interface ParseJob {
  path: string;
  from: number;
  encoding: Encoding;
  family?: Family;
  state?: ParserState;
  lineage: string;
  zone: string;
  mtimeMs: number;
  /** Decoded bytes to hash while reading (a joined lineage's tail, checked by the planner). */
  probe?: { start: number; end: number };
  /** Ceiling for one event's tokens (larger counts are skipped as implausible). */
  maxEventTokens?: number;
}

export interface ParseResult {
  events: TokenEvent[];
  samples: RateLimitSample[];
  skipped: [SkipReason, number][];
  bytesRead: number;
  committed: number;
  state: ParserState;
  family: Family;
  /** Why the file's bytes stopped making sense; the lines before were parsed. */
  damaged?: string;
  /** Hash of the probed bytes, when the file was long enough to hold them. */
  probedHash?: string;
}

export async function parseFile(job: ParseJob): Promise<ParseResult> {
  const parser = new MarkerParser({
    zone: job.zone,
    mtimeMs: job.mtimeMs,
    lineage: job.lineage,
    state: job.state,
    maxEventTokens: job.maxEventTokens,
  });
  const outcome = await readMarkers(job.path, parser, {
    from: job.from,
    encoding: job.encoding,
    family: job.family,
    probe: job.probe,
  });
  return {
    events: parser.events,
    samples: parser.samples,
    skipped: [...parser.skipped],
    bytesRead: outcome.bytesRead,
    committed: outcome.committed,
    state: outcome.state,
    family: outcome.family,
    damaged: outcome.damaged,
    probedHash: outcome.probed ? shortHash(outcome.probed) : undefined,
  };
}
