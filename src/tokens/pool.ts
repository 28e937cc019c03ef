import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseFile, type ParseJob, type ParseResult } from './parse-file.js';

/**
 * Runs parse jobs on worker threads when there is enough to read to pay for starting them,
 * otherwise inline. The ledger is written by the main thread only.
 *
 * Jobs wait in the pool, in the order they were asked for, and each worker is handed the next
 * ones as it answers (it holds several, so it never waits for the main thread). The main thread parses too, but only when it has nothing else to do: whenever the
 * event loop comes round (the ingest is waiting for a result, not writing a batch), it takes
 * the oldest waiting job. So the ledger writes, the main thread's own work and the critical
 * path, are never held up by parsing, and no thread idles while a job waits, whatever the share
 * of writing to parsing (it differs several times over between logs of one event per few
 * kilobytes and logs of one per hundred).
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

export function workerPool(size = Math.max(1, Math.min(availableParallelism() - 1, 8))): ParsePool {
  const url = new URL('./parse-worker.js', import.meta.url);
  const waiting: Queued[] = [];
  const lanes: Lane[] = Array.from({ length: size }, () => ({
    worker: new Worker(url),
    queue: [],
    alive: true,
  }));
  let closed = false;
  /** A main-thread parse is scheduled or running (one at a time). */
  let mainBusy = false;

  const dispatch = () => {
    for (const lane of lanes) {
      while (lane.alive && lane.queue.length < DEPTH && waiting.length > 0) {
        const item = waiting.shift()!;
        lane.queue.push(item);
        lane.worker.postMessage({ job: item.job });
      }
    }
    if (waiting.length > 0 && !mainBusy && !closed) {
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
    lane.worker.on('message', (m: { result?: ParseResult; error?: string }) => {
      const item = lane.queue.shift();
      dispatch();
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
