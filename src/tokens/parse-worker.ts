import { parentPort } from 'node:worker_threads';
import { parseFile, type ParseJob } from './parse-file.js';
import { errorMessage } from '../errors.js';

/** Worker thread: parses the files it is sent, one at a time, and posts the results back. */
parentPort?.on('message', (message: { job: ParseJob }) => {
  parseFile(message.job).then(
    (result) => parentPort?.postMessage({ result }),
    (error: unknown) => parentPort?.postMessage({ error: errorMessage(error) }),
  );
});
