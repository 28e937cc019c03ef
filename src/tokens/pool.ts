import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseFile, type ParseJob, type ParseResult } from './parse-file.js';

/**
 * Runs parse jobs on worker threads when there is enough to read to pay for starting them,
 * otherwise inline. The ledger is written by the main thread only.
 *
 * The main thread is one of the parsers too: it writes the ledger, which takes less time than
 * parsing, and parses a smaller share of the files in between. So a machine with two cores runs
 * one worker beside the main thread, both busy, and each core parses and nothing waits.
 *
 * Jobs go to the parser with the least work assigned so far (in bytes, scaled by its share), as
 * soon as they are known: a worker parses its jobs one after another and never waits for the
 * main thread, which may be busy writing a batch, to hand it the next file.
 */

export interface ParsePool {
  /** `weight`: about how many bytes the job reads, to spread the work evenly. */
  parse(job: ParseJob, weight?: number): Promise<ParseResult>;
  close(): Promise<void>;
}

export function inlinePool(): ParsePool {
  return { parse: (job) => parseFile(job), close: async () => undefined };
}

interface Queued {
  job: ParseJob;
  weight: number;
  resolve: (r: ParseResult) => void;
  reject: (e: Error) => void;
}

interface Lane {
  /** undefined: the main thread. */
  worker?: Worker;
  /** Jobs sent to this worker, in the order it answers them (the first is being parsed). */
  queue: Queued[];
  /** Bytes assigned so far, divided by the lane's share. */
  assigned: number;
  share: number;
  alive: boolean;
}

/**
 * The main thread's share of parsing, relative to a worker's: it also writes the ledger, about
 * 40% of its time in a first ingest (measured on two cores: 0.35 finished first of 0.25-0.5).
 */
const MAIN_SHARE = 0.35;

export function workerPool(
  size = Math.max(1, Math.min(availableParallelism() - 1, 8)),
  mainShare = MAIN_SHARE,
): ParsePool {
  const url = new URL('./parse-worker.js', import.meta.url);
  const lanes: Lane[] = Array.from({ length: size }, () => ({
    worker: new Worker(url),
    queue: [],
    assigned: 0,
    share: 1,
    alive: true,
  }));
  if (mainShare > 0) lanes.push({ queue: [], assigned: 0, share: mainShare, alive: true });
  const send = (item: Queued) => {
    let lane: Lane | undefined;
    for (const l of lanes) if (l.alive && (!lane || l.assigned < lane.assigned)) lane = l;
    lane ??= { queue: [], assigned: 0, share: 1, alive: true }; // no parser thread left
    lane.assigned += item.weight / lane.share;
    if (!lane.worker) {
      // After the caller has handed out its other jobs: a worker never waits for its next file
      // while the main thread parses.
      setImmediate(() => void parseFile(item.job).then(item.resolve, item.reject));
      return;
    }
    lane.queue.push(item);
    lane.worker.postMessage({ job: item.job });
  };
  for (const lane of lanes) {
    const { worker } = lane;
    if (!worker) continue;
    worker.on('message', (m: { result?: ParseResult; error?: string }) => {
      const item = lane.queue.shift();
      if (!item) return;
      if (m.error !== undefined) item.reject(new Error(m.error));
      else item.resolve(m.result!);
    });
    /** A worker that dies fails the job it was on, nothing else: its other jobs go elsewhere. */
    const die = (why: string) => {
      if (!lane.alive) return;
      lane.alive = false;
      const [current, ...rest] = lane.queue.splice(0);
      current?.reject(new Error(`the parser thread stopped (${why})`));
      rest.forEach(send);
    };
    worker.on('error', (error) => die(error.message));
    worker.on('exit', (code) => die(`exit code ${code}`));
  }
  let closed = false;
  return {
    parse(job, weight = 1) {
      return new Promise<ParseResult>((resolve, reject) => {
        if (closed) reject(new Error('the parser pool is closed'));
        else send({ job, weight, resolve, reject });
      });
    },
    async close() {
      closed = true;
      for (const lane of lanes) lane.alive = false;
      await Promise.all(lanes.flatMap((l) => (l.worker ? [l.worker.terminate()] : [])));
    },
  };
}
