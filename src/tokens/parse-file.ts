import { MarkerParser, type ParserState } from './parse.js';
import { readMarkers, type Encoding, type Family } from './read.js';
import type { RateLimitSample, SkipReason, TokenEvent } from './types.js';

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
}

export interface ParseResult {
  events: TokenEvent[];
  samples: RateLimitSample[];
  skipped: [SkipReason, number][];
  bytesRead: number;
  committed: number;
  state: ParserState;
  family: Family;
}

export async function parseFile(job: ParseJob): Promise<ParseResult> {
  const parser = new MarkerParser({
    zone: job.zone,
    mtimeMs: job.mtimeMs,
    lineage: job.lineage,
    state: job.state,
  });
  const outcome = await readMarkers(job.path, parser, {
    from: job.from,
    encoding: job.encoding,
    family: job.family,
  });
  return {
    events: parser.events,
    samples: parser.samples,
    skipped: [...parser.skipped],
    bytesRead: outcome.bytesRead,
    committed: outcome.committed,
    state: outcome.state,
    family: outcome.family,
  };
}
