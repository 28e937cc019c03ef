import { Worker } from 'node:worker_threads';
import type { Db } from './open.js';

/** SQLite's own default: a checkpoint once the WAL holds this many pages. */
const AUTO_CHECKPOINT_PAGES = 1000;

/**
 * Checkpoints of a long ingest on a thread of their own. A first ingest of a gigabyte of logs
 * commits a few dozen batches; with SQLite's automatic checkpoints, the committing thread (the
 * ingest's critical path) also copies every WAL page into the database file and waits for both
 * files to reach the disk, about a fifth of its time. Here the connection stops checkpointing
 * and, after each commit, a worker thread with its own connection checkpoints what is committed
 * (PASSIVE: never blocking the writer, and a page written by several batches is copied once).
 * Closing the connection at the end checkpoints what is left, as before.
 */
export class BackgroundCheckpoints {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private alive = true;

  private constructor(private readonly db: Db) {
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { path: db.name },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // A thread that cannot open the ledger leaves the checkpoints to the connection, as before.
    this.worker.on('error', () => this.fallBack());
    this.worker.on('exit', () => this.fallBack());
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Checkpoints in the background for this connection, when it writes a WAL file. */
  static start(db: Db): BackgroundCheckpoints | undefined {
    if (db.memory || db.readonly) return undefined;
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
    return new BackgroundCheckpoints(db);
  }

  /**
   * After a commit: a checkpoint, once those asked for before are done. No answer is awaited:
   * the writing thread may not come back to its event loop for a while (it writes results that
   * are ready), and the checkpoints must keep up meanwhile; one with nothing left to copy costs
   * next to nothing.
   */
  committed(): void {
    if (this.alive) this.worker.postMessage('checkpoint');
  }

  /** Waits for the running checkpoint, closes the thread, and gives checkpoints back. */
  async stop(): Promise<void> {
    if (this.alive) this.worker.postMessage('close');
    await this.exited;
  }

  private fallBack(): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
