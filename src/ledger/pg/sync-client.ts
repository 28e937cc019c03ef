import { createRequire } from 'node:module';
import {
  MessageChannel,
  Worker,
  receiveMessageOnPort,
  type MessagePort,
} from 'node:worker_threads';
import { RadarError } from '../../core/errors.js';

/**
 * A synchronous PostgreSQL connection: node-postgres (`pg`, pure JavaScript) runs in a worker
 * thread, and each query blocks the calling thread on a shared flag (Atomics.wait) until the
 * worker posts the answer, which is then taken off the port with receiveMessageOnPort.
 *
 * Why synchronous: the ledger's hot ports (ingest, scan, claims) are synchronous units of work
 * (`transaction(fn)`), which is what makes better-sqlite3 fast; the PostgreSQL engine implements
 * the same ports, so its queries must answer synchronously too. Why written here rather than with
 * a library such as synckit: that needs the worker as a file on disk beside the caller, and radar
 * runs both from its bundle (dist/bin) and from sources (tests); the worker below is a short
 * script evaluated in place, with `pg` resolved from wherever this module is loaded.
 */

/** Rows of one statement, and how many rows it touched. */
export interface PgResult<R> {
  rows: R[];
  rowCount: number;
}

/** A statement PostgreSQL refused: its SQLSTATE code (e.g. 23505) is kept for callers. */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

export interface PgSyncOptions {
  /** How long one statement may take before radar gives up on the server (ms). */
  statementTimeoutMs?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** How long connecting may take before radar says the server cannot be reached (ms). */
  connectTimeoutMs?: number;
}

/**
 * The worker's script. BIGINT columns come back as numbers, not strings: radar's counts and
 * millisecond instants stay far below 2^53. Buffers cross the thread boundary as Uint8Array.
 */
const WORKER_SCRIPT = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
const { port, flag, url, applicationName, connectTimeoutMs } = workerData;
const client = new pg.Client({
  connectionString: url,
  application_name: applicationName,
  connectionTimeoutMillis: connectTimeoutMs,
});
let broken = null;
client.on('error', (e) => { broken = e; });
const ready = client.connect();
ready.catch(() => {});
function reply(seq, message) {
  message.seq = seq;
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
function toBuffers(values) {
  return values && values.map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
}
port.on('message', async (m) => {
  if (m.close) {
    try { await client.end(); } catch {}
    reply(m.seq, { closed: true });
    port.close();
    return;
  }
  try {
    await ready;
    if (broken) throw broken;
    const r = await client.query({ text: m.sql, values: toBuffers(m.params) });
    const last = Array.isArray(r) ? r[r.length - 1] : r;
    reply(m.seq, { rows: (last && last.rows) || [], rowCount: (last && last.rowCount) || 0 });
  } catch (e) {
    reply(m.seq, { error: { message: String((e && e.message) || e), code: e && e.code } });
  }
});
`;

export class PgSyncClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private closed = false;
  /** Why the connection was given up, when it was. */
  private lost: string | undefined;
  /** The number of the last message posted to the worker. */
  private seq = 0;

  constructor(url: string, options: PgSyncOptions = {}) {
    this.timeoutMs = options.statementTimeoutMs ?? 120_000;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.worker = new Worker(WORKER_SCRIPT, {
      eval: true,
      workerData: {
        port: port2,
        flag: this.flag,
        url,
        pgPath,
        applicationName: options.applicationName ?? 'radar',
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      },
      transferList: [port2],
    });
    // A ledger left open must not keep the process alive; every call waits for its own answer.
    this.worker.unref();
  }

  /** Runs one statement (or, without parameters, several separated by semicolons). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): PgResult<R> {
    if (this.closed)
      throw new RadarError(
        this.lost
          ? `the PostgreSQL connection was given up after an earlier statement: ${this.lost}`
          : 'the PostgreSQL ledger is closed',
      );
    const answer = this.call({ sql, params });
    if (answer.error) throw new PgError(answer.error.message, answer.error.code);
    return { rows: (answer.rows ?? []).map(withBuffers) as R[], rowCount: answer.rowCount ?? 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.call({ close: true });
    } finally {
      void this.worker.terminate();
    }
  }

  /**
   * Posts one message and blocks until its answer. A statement that does not answer in time
   * leaves the connection unusable: its late answer would otherwise be taken for the next
   * statement's (a transaction half done, a claim reading another query's rows). The worker is
   * stopped, which drops the connection, and the server rolls back what it had begun. Every
   * answer carries the number of its message, so one out of step is refused, never used.
   */
  private call(message: object): WorkerReply {
    const seq = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ ...message, seq });
    if (Atomics.wait(this.flag, 0, 0, this.timeoutMs) === 'timed-out')
      this.abandon(
        `the PostgreSQL server did not answer within ${Math.round(this.timeoutMs / 1000)} s`,
      );
    const received = receiveMessageOnPort(this.port);
    if (!received) this.abandon('the PostgreSQL connection closed without an answer');
    const reply = received.message as WorkerReply;
    if (reply.seq !== seq) this.abandon('the PostgreSQL connection answered out of step');
    return reply;
  }

  /** Gives the connection up (no later call is sent on it) and throws why. */
  private abandon(why: string): never {
    this.closed = true;
    this.lost = why;
    void this.worker.terminate();
    throw new RadarError(why);
  }
}

interface WorkerReply {
  seq?: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  error?: { message: string; code?: string };
}

function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    const v = row[key];
    if (v instanceof Uint8Array && !Buffer.isBuffer(v))
      row[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }
  return row;
}
