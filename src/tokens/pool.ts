import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseFile, type ParseJob, type ParseResult } from './parse-file.js';

/**
 * Runs parse jobs on worker threads (one per core) when there is enough to read to pay for
 * starting them, otherwise inline. The ledger is written by the main thread only.
 */

export interface ParsePool {
  parse(job: ParseJob): Promise<ParseResult>;
  close(): Promise<void>;
}

export function inlinePool(): ParsePool {
  return { parse: parseFile, close: async () => undefined };
}

export function workerPool(size = Math.max(1, Math.min(availableParallelism(), 8))): ParsePool {
  const url = new URL('./parse-worker.js', import.meta.url);
  const workers = Array.from({ length: size }, () => new Worker(url));
  const idle = [...workers];
  let alive = workers.length;
  const waiting: (() => void)[] = [];
  /** The job each busy worker is on: a worker that dies fails its own job, nothing else. */
  const busy = new Map<Worker, { resolve: (r: ParseResult) => void; reject: (e: Error) => void }>();
  const settle = (worker: Worker) => {
    const job = busy.get(worker);
    busy.delete(worker);
    return job;
  };
  for (const worker of workers) {
    worker.on('message', (m: { result?: ParseResult; error?: string }) => {
      const job = settle(worker);
      idle.push(worker);
      waiting.shift()?.();
      if (!job) return;
      if (m.error !== undefined) job.reject(new Error(m.error));
      else job.resolve(m.result!);
    });
    const die = (why: string) => {
      const job = settle(worker);
      if (idle.includes(worker)) idle.splice(idle.indexOf(worker), 1);
      alive--;
      job?.reject(new Error(`the parser thread stopped (${why})`));
      // Whoever waits for a worker is woken: with none left, it parses inline.
      waiting.splice(0).forEach((wake) => wake());
    };
    worker.on('error', (error) => die(error.message));
    worker.on('exit', (code) => {
      if (busy.has(worker) || idle.includes(worker)) die(`exit code ${code}`);
    });
  }
  return {
    async parse(job) {
      while (idle.length === 0 && alive > 0)
        await new Promise<void>((resolve) => waiting.push(resolve));
      const worker = idle.pop();
      if (!worker) return parseFile(job);
      return new Promise<ParseResult>((resolve, reject) => {
        busy.set(worker, { resolve, reject });
        worker.postMessage({ job });
      });
    },
    async close() {
      idle.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
