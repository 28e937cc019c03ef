import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseFile, type ParseJob, type ParseResult } from './parse-file.js';

/**
 * Runs parse jobs on worker threads (one per core) when there is enough to read to pay for
 * starting them, otherwise inline. The ledger is written by the main thread only.
 *
 * Each worker is handed its jobs as soon as they are known (to the one with the fewest bytes
 * queued) and parses them one after another: it never waits for the main thread, which may be
 * busy writing a batch, to give it its next file.
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
  worker: Worker;
  /** Jobs sent to this worker, in the order it answers them (the first is being parsed). */
  queue: Queued[];
  queuedWeight: number;
  alive: boolean;
}

export function workerPool(size = Math.max(1, Math.min(availableParallelism(), 8))): ParsePool {
  const url = new URL('./parse-worker.js', import.meta.url);
  const lanes: Lane[] = Array.from({ length: size }, () => ({
    worker: new Worker(url),
    queue: [],
    queuedWeight: 0,
    alive: true,
  }));
  const send = (item: Queued) => {
    let lane: Lane | undefined;
    for (const l of lanes) if (l.alive && (!lane || l.queuedWeight < lane.queuedWeight)) lane = l;
    if (!lane) {
      // No parser thread left: parse here.
      parseFile(item.job).then(item.resolve, item.reject);
      return;
    }
    lane.queue.push(item);
    lane.queuedWeight += item.weight;
    lane.worker.postMessage({ job: item.job });
  };
  for (const lane of lanes) {
    const { worker } = lane;
    worker.on('message', (m: { result?: ParseResult; error?: string }) => {
      const item = lane.queue.shift();
      if (!item) return;
      lane.queuedWeight -= item.weight;
      if (m.error !== undefined) item.reject(new Error(m.error));
      else item.resolve(m.result!);
    });
    /** A worker that dies fails the job it was on, nothing else: its other jobs go elsewhere. */
    const die = (why: string) => {
      if (!lane.alive) return;
      lane.alive = false;
      const [current, ...rest] = lane.queue.splice(0);
      lane.queuedWeight = 0;
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
      await Promise.all(lanes.map((l) => l.worker.terminate()));
    },
  };
}
