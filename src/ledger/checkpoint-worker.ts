import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './sqlite.js';

/**
 * Worker thread of the background checkpoints (checkpoints.ts): its own connection to the ledger
 * copies committed WAL pages into the database file (and syncs both) whenever it is asked, while
 * the ingest goes on writing. A checkpoint that cannot run now (the ledger is busy) is simply
 * the next one's work.
 */
const db = openDatabase((workerData as { path: string }).path, { fileMustExist: true });
parentPort?.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or gone: the next checkpoint, or the writer's own at close, does what is left
  }
});
