import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegrity, openLedger } from '../../src/ledger/open.js';
import { MIGRATIONS, RADAR_APPLICATION_ID } from '../../src/ledger/migrations.js';
import { UsageError } from '../../src/errors.js';
import { ROOT, runCli, tempTree } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tempDir(): string {
  const t = tempTree();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('openLedger', () => {
  it('creates a WAL ledger with every migration applied, and reopens it without re-running them', () => {
    const path = join(tempDir(), 'nested/dir/radar.db');
    const db = openLedger(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    db.prepare(
      "INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total, source_path) VALUES ('f', 1, 'line', 'codex', 'b', 'codex-text', 5, '/x')",
    ).run();
    db.close();
    const again = openLedger(path);
    expect(again.prepare('SELECT total FROM token_events').get()).toEqual({ total: 5 });
    expect(checkIntegrity(again)).toEqual(['ok']);
    again.close();
  });

  it('refuses a ledger written by a newer radar instead of corrupting it', () => {
    const path = join(tempDir(), 'radar.db');
    const db = openLedger(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => openLedger(path)).toThrow(/newer radar/);
  });

  it('refuses a file that is not a SQLite database with a clear message', () => {
    const path = join(tempDir(), 'radar.db');
    writeFileSync(path, 'definitely not sqlite '.repeat(200));
    expect(() => openLedger(path)).toThrow(/not a valid radar ledger|cannot open the ledger/);
  });

  it("marks a new ledger as radar's, and stamps a ledger written before the mark, keeping its data", () => {
    const path = join(tempDir(), 'radar.db');
    const db = openLedger(path);
    expect(db.pragma('application_id', { simple: true })).toBe(RADAR_APPLICATION_ID);
    db.prepare(
      "INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total, source_path) VALUES ('f', 1, 'line', 'codex', 'b', 'codex-text', 7, '/x')",
    ).run();
    db.pragma('application_id = 0'); // as an older radar left it
    db.close();
    const again = openLedger(path);
    expect(again.pragma('application_id', { simple: true })).toBe(RADAR_APPLICATION_ID);
    expect(again.prepare('SELECT total FROM token_events').get()).toEqual({ total: 7 });
    again.close();
  });

  it('takes an empty file for a new ledger', () => {
    const path = join(tempDir(), 'radar.db');
    writeFileSync(path, '');
    const db = openLedger(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it("refuses another application's SQLite database, leaving it byte for byte unchanged", () => {
    const dir = tempDir();
    const variants: [string, string][] = [
      [
        'tables.db',
        'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (1)',
      ],
      ['marked.db', 'PRAGMA application_id = 305419896'],
      ['versioned.db', 'PRAGMA user_version = 3; CREATE TABLE settings (k TEXT, v TEXT)'],
      ['lookalike.db', 'CREATE TABLE token_sources (x)'],
    ];
    for (const [name, sql] of variants) {
      const path = join(dir, name);
      const other = new Database(path);
      other.exec(sql);
      other.close();
      const before = sha256(path);
      let thrown: unknown;
      try {
        openLedger(path).close();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(UsageError);
      expect((thrown as UsageError).exitCode).toBe(2);
      expect((thrown as Error).message).toContain(`${path} is not a radar ledger`);
      expect(sha256(path), name).toBe(before);
      expect(existsSync(`${path}-wal`), name).toBe(false);
    }
  });

  it('refuses it from the command line too: exit 2, one line naming the file, nothing written', async () => {
    const dir = tempDir();
    const path = join(dir, 'notes.db');
    const other = new Database(path);
    other.exec(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')",
    );
    other.close();
    writeFileSync(join(dir, 'agent.log'), 'tokens used: 1234\n');
    const before = sha256(path);
    for (const args of [
      ['report', 'tokens', '--ledger', path],
      ['ingest', '--ledger', path, join(dir, 'agent.log')],
      ['queue', '--ledger', 'notes.db'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([
        `radar: ${path} is not a radar ledger but another application's SQLite database (tables: notes); radar left it unchanged`,
      ]);
      expect(sha256(path)).toBe(before);
    }
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('lets many processes create the same new ledger at once: all succeed, one schema', async () => {
    const dir = tempDir();
    const script = join(dir, 'open.mjs');
    writeFileSync(
      script,
      `import { openLedger } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/ledger/open.js')).href)};
try { openLedger(process.argv[2]).close(); } catch (e) { process.stderr.write(e.message + '\\n'); process.exit(1); }`,
    );
    const reference = join(dir, 'reference.db');
    openLedger(reference).close();
    const opener = (path: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [script, path], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const paths = Array.from({ length: 12 }, (_, i) => join(dir, `race-${i}`, 'radar.db'));
    const results = await Promise.all([
      ...paths.flatMap((p) => [opener(p), opener(p)]),
      // and through the real command line: two commands on one new ledger
      runCli(['report', 'tokens', '--ledger', join(dir, 'cli/radar.db')]),
      runCli(['queue', '--ledger', join(dir, 'cli/radar.db')]),
    ]);
    for (const r of results)
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    for (const path of [...paths, join(dir, 'cli/radar.db')])
      expect(schemaOf(path)).toEqual(schemaOf(reference));
  });
});

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function schemaOf(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }),
      applicationId: db.pragma('application_id', { simple: true }),
      journal: db.pragma('journal_mode', { simple: true }),
      objects: db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').all(),
    };
  } finally {
    db.close();
  }
}
