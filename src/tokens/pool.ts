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
  const waiting: (() => void)[] = [];
  const pending = new Map<
    number,
    { resolve: (r: ParseResult) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  for (const worker of workers) {
    worker.on('message', (m: { id: number; result?: ParseResult; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      idle.push(worker);
      waiting.shift()?.();
      if (!p) return;
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    worker.on('error', (error) => {
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    });
  }
  return {
    async parse(job) {
      while (idle.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      const worker = idle.pop()!;
      const id = nextId++;
      return new Promise<ParseResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, job });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
