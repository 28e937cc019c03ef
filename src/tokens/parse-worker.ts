import { parentPort } from 'node:worker_threads';
import { parseFile, type ParseJob } from './parse-file.js';
import { toWire } from './wire.js';
import { errorMessage } from '../core/errors.js';

/**
 * Worker thread: parses the files it is sent one after another, in the order they came, and
 * posts each result back, its events in columns (wire.ts; the pool matches answers to jobs by
 * that order).
 */
let chain: Promise<void> = Promise.resolve();
parentPort?.on('message', (message: { job: ParseJob }) => {
  chain = chain.then(() =>
    parseFile(message.job)
      .then(toWire)
      .then(
        ({ wire, transfer }) => parentPort?.postMessage({ result: wire }, transfer),
        (error: unknown) => parentPort?.postMessage({ error: errorMessage(error) }),
      ),
  );
});
