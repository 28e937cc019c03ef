import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  parseFile,
  unpackResult,
  type PackedResult,
  type ParseJob,
  type ParseResult,
} from './parse-file.js';

/**
 * Runs parse jobs on worker threads when there is enough to read to pay for starting them,
 * otherwise inline. The ledger is written by the main thread only.
 *
 * Jobs wait in the pool, in the order they were asked for, and each worker is handed the next
 * ones as it answers (it holds several, so it never waits for the main thread). There is a
 * worker per core: the main thread, which writes the ledger, is the ingest's critical path on
 * logs of many events (realistic logs: about 66 a megabyte), and a file it parses holds up the
 * writes; where writing is light (logs of few events), the workers keep every core busy
 * parsing. The main thread parses only when no worker is left (each died): the jobs still get
 * done.
 */

export interface ParsePool {
  parse(job: ParseJob): Promise<ParseResult>;
  close(): Promise<void>;
}

export function inlinePool(): ParsePool {
  return { parse: (job) => parseFile(job), close: async () => undefined };
}

interface Queued {
  job: ParseJob;
  resolve: (r: ParseResult) => void;
  reject: (e: Error) => void;
}

interface Lane {
  worker: Worker;
  /** Jobs sent to this worker, in the order it answers them (the first is being parsed). */
  queue: Queued[];
  alive: boolean;
}

/**
 * Jobs a worker holds at once. A worker is handed its next job by the main thread, which may be
 * busy writing a batch for a while: the worker must not run dry meanwhile.
 */
const DEPTH = 16;

export function workerPool(size = Math.max(1, Math.min(availableParallelism(), 8))): ParsePool {
  const url = new URL('./parse-worker.js', import.meta.url);
  const waiting: Queued[] = [];
  const lanes: Lane[] = Array.from({ length: size }, () => ({
    worker: new Worker(url),
    queue: [],
    alive: true,
  }));
  let closed = false;
  /** A main-thread parse (once every worker died) is scheduled or running, one at a time. */
  let mainBusy = false;

  /**
   * Each waiting job goes to the live worker holding the fewest, so consecutive files go to
   * different workers: the ingest writes results in file order, and the next file's result is
   * due from whichever worker is freest, not from a worker with a long queue of its own.
   */
  const dispatch = () => {
    while (waiting.length > 0) {
      let lane: Lane | undefined;
      for (const l of lanes)
        if (l.alive && l.queue.length < DEPTH && (!lane || l.queue.length < lane.queue.length))
          lane = l;
      if (!lane) break;
      const item = waiting.shift()!;
      lane.queue.push(item);
      lane.worker.postMessage({ job: item.job });
    }
    if (waiting.length > 0 && !mainBusy && !closed && !lanes.some((lane) => lane.alive)) {
      mainBusy = true;
      // At the next turn of the event loop: only once the caller has stopped to wait.
      setImmediate(parseOnMain);
    }
  };

  const parseOnMain = () => {
    const item = closed ? undefined : waiting.shift();
    if (!item) {
      mainBusy = false;
      return;
    }
    void parseFile(item.job)
      .then(item.resolve, item.reject)
      .finally(() => {
        mainBusy = false;
        dispatch();
      });
  };

  for (const lane of lanes) {
    lane.worker.on('message', (m: { result?: PackedResult; error?: string }) => {
      const item = lane.queue.shift();
      dispatch();
      if (!item) return;
      if (m.error !== undefined) item.reject(new Error(m.error));
      else item.resolve(unpackResult(m.result!));
    });
    /** A worker that dies fails the job it was on, nothing else: its other jobs go elsewhere. */
    const die = (why: string) => {
      if (!lane.alive) return;
      lane.alive = false;
      const [current, ...rest] = lane.queue.splice(0);
      current?.reject(new Error(`the parser thread stopped (${why})`));
      waiting.unshift(...rest);
      dispatch();
    };
    lane.worker.on('error', (error) => die(error.message));
    lane.worker.on('exit', (code) => die(`exit code ${code}`));
  }
  return {
    parse(job) {
      return new Promise<ParseResult>((resolve, reject) => {
        if (closed) return reject(new Error('the parser pool is closed'));
        waiting.push({ job, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const lane of lanes) lane.alive = false;
      await Promise.all(lanes.map((l) => l.worker.terminate()));
    },
  };
}
