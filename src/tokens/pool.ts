import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseFile, type ParseJob } from './parse-file.js';
import type { ParseAnswer, WireResult } from './wire.js';

/**
 * Runs parse jobs on worker threads when there is enough to read to pay for starting them,
 * otherwise inline. The ledger is written by the main thread only.
 *
 * Jobs wait in the pool, in the order they were asked for, and are handed one at a time to the
 * worker holding the fewest. Loaded workers hold every job the ingest has started between them
 * (it runs at most AHEAD_FILES ahead of the commits), so none waits for the main thread, which
 * hands out jobs only between its batches. The main thread parses only what no worker holds: whenever
 * the event loop comes round (the ingest is waiting for a result, not writing a batch), it takes
 * the oldest waiting job. That is the first files, while the workers load (each holds a couple
 * of jobs until it first answers), and whatever a stopped worker left. The ledger writes are the
 * critical path of a first ingest (the workers idled while the main thread parsed a quarter of
 * the bytes between its batches), so the main thread keeps to them once a worker is up.
 */

export interface ParsePool {
  /** A worker's answer keeps its events packed: resultOf (wire.ts) unpacks them when taken. */
  parse(job: ParseJob): Promise<ParseAnswer>;
  close(): Promise<void>;
}

export function inlinePool(): ParsePool {
  return { parse: (job) => parseFile(job), close: async () => undefined };
}

interface Queued {
  job: ParseJob;
  resolve: (r: ParseAnswer) => void;
  reject: (e: Error) => void;
}

interface Lane {
  worker: Worker;
  /** Jobs sent to this worker, in the order it answers them (the first is being parsed). */
  queue: Queued[];
  alive: boolean;
  /** The worker has answered once: it has loaded, and takes its full share of jobs. */
  ready: boolean;
}

/**
 * Jobs a worker holds at once: as many as the ingest starts ahead of its commits (ingest-read.ts
 * AHEAD_FILES). A worker is handed its next jobs by the main thread, which may be busy writing a
 * batch for a while: the worker must not run dry meanwhile. (With 16, a worker idled about a
 * third of a first ingest of the realistic corpus while the main thread parsed a quarter of it.)
 */
const DEPTH = 48;
/** Jobs a worker holds before it first answers: the main thread parses the others meanwhile. */
const LOADING_DEPTH = 2;
/**
 * A parser thread's young generation, in MiB (V8's default lets it grow to 48). What a parse
 * allocates dies young (decoded lines, parsed JSON) but for the file's events, so a small nursery
 * that stays in the CPU's caches and is never grown into fresh pages costs less than a large one:
 * 6 % less CPU and wall time for a first ingest of the realistic corpus, 20 MB less memory.
 */
const YOUNG_GENERATION_MB = 4;

declare const RADAR_PARSE_WORKER: string | undefined;
/**
 * The parser thread's module, beside this one: the bundle's own (scripts/bundle.ts: one CommonJS
 * file, which starts sooner), or the compiled parse-worker.js.
 */
const PARSE_WORKER =
  typeof RADAR_PARSE_WORKER === 'string' ? `./${RADAR_PARSE_WORKER}` : './parse-worker.js';

export function workerPool(size = Math.max(1, Math.min(availableParallelism() - 1, 8))): ParsePool {
  const url = new URL(PARSE_WORKER, import.meta.url);
  const waiting: Queued[] = [];
  const lanes: Lane[] = Array.from({ length: size }, () => ({
    worker: new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }),
    queue: [],
    alive: true,
    ready: false,
  }));
  let closed = false;
  /** A main-thread parse is scheduled or running (one at a time). */
  let mainBusy = false;

  /** The live worker holding the fewest jobs, if one can take another. */
  const freest = (): Lane | undefined => {
    let best: Lane | undefined;
    for (const lane of lanes) {
      const room = lane.alive && lane.queue.length < (lane.ready ? DEPTH : LOADING_DEPTH);
      if (room && (!best || lane.queue.length < best.queue.length)) best = lane;
    }
    return best;
  };

  const dispatch = () => {
    // One job at a time to the freest worker: several workers share the jobs evenly.
    for (let lane = freest(); lane && waiting.length > 0; lane = freest()) {
      const item = waiting.shift()!;
      lane.queue.push(item);
      lane.worker.postMessage({ job: item.job });
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
    lane.worker.on('message', (m: { result?: WireResult; error?: string }) => {
      const item = lane.queue.shift();
      lane.ready = true;
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
      return new Promise<ParseAnswer>((resolve, reject) => {
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
