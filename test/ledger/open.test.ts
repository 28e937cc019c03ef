import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, checkIntegrity, openLedger } from '../../src/ledger/open.js';
import { schemaSnapshotText, schemaStatements } from '../../src/ledger/snapshot.js';
import { SCHEMA_SNAPSHOT } from '../../src/ledger/schema-snapshot.js';
import { MIGRATIONS, RADAR_APPLICATION_ID } from '../../src/ledger/migrations.js';
import { UsageError } from '../../src/core/errors.js';
import { RulesStore } from '../../src/ledger/rules-store.js';
import { VERDICT_FINGERPRINTS } from '../../src/ledger/rules-schema.js';
import { aggregateByColumn } from '../../src/ledger/token-report.js';
import { EVENTS_WITHOUT_PATH } from '../../src/ledger/token-schema.js';
import { ROOT, runCli, runRadar, tempTrees } from '../helpers/cli.js';

const tempDir = tempTrees();

describe('openLedger', () => {
  it('creates a WAL ledger with every migration applied, and reopens it without re-running them', () => {
    const path = join(tempDir(), 'nested/dir/radar.db');
    const db = openLedger(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    db.prepare(
      "INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total) VALUES ('f', 1, 'line', 'codex', 'b', 'codex-text', 5)",
    ).run();
    db.close();
    const again = openLedger(path);
    expect(again.prepare('SELECT total FROM token_events').get()).toEqual({ total: 5 });
    expect(checkIntegrity(again)).toEqual(['ok']);
    again.close();
  });

  it('gives a new ledger its page size, and leaves an existing ledger’s as it is', () => {
    const fresh = join(tempDir(), 'new.db');
    const db = openLedger(fresh);
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
    db.close();
    const older = join(tempDir(), 'old.db');
    const old = new Database(older);
    old.pragma('page_size = 4096');
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.close();
    const again = openLedger(older);
    expect(again.pragma('page_size', { simple: true })).toBe(4096);
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it('keeps a statement journal in memory: a large write inside a transaction opens no file in the temp folder', () => {
    // A child process, so that no other test's SQLite file is among the descriptors it lists.
    const script = `
      import { readdirSync, readlinkSync } from 'node:fs';
      const { openLedger } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/src/ledger/open.js')).href)});
      const db = openLedger(${JSON.stringify(join(tempDir(), 'journal.db'))});
      db.exec('CREATE TABLE scratch (x TEXT UNIQUE)');
      const insert = db.prepare('INSERT INTO scratch VALUES (?)');
      db.transaction(() => { for (let i = 0; i < 5000; i++) insert.run(String(i).padStart(200, 'x')); })();
      const open = () => readdirSync('/proc/self/fd').flatMap((fd) => { try { return [readlinkSync('/proc/self/fd/' + fd)]; } catch { return []; } });
      let during = [];
      // A unique column can fail half way: SQLite journals the statement (a megabyte of pages).
      db.transaction(() => { db.exec("UPDATE scratch SET x = x || 'y'"); during = open(); })();
      process.stdout.write(JSON.stringify({ during, rows: db.prepare('SELECT count(*) AS n FROM scratch WHERE x LIKE ?').get('%y') }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect({ code: child.status, err: child.stderr }).toEqual({ code: 0, err: '' });
    const { during, rows } = JSON.parse(child.stdout) as { during: string[]; rows: { n: number } };
    expect(rows.n).toBe(5000);
    expect(during.filter((path) => /etilqs_/.test(path))).toEqual([]);
  });

  it('makes a new ledger from the schema snapshot, which is what the migrations leave (run `npm run ledger:snapshot`)', () => {
    const committed = readFileSync(join(ROOT, 'src/ledger/schema-snapshot.ts'), 'utf8');
    expect(committed).toBe(schemaSnapshotText());
    expect(SCHEMA_SNAPSHOT.version).toBe(MIGRATIONS.length);
    // A new ledger (made from the snapshot) and one migrated step by step from the first
    // migration hold the same tables, columns, indexes, views and triggers.
    const fresh = openLedger(join(tempDir(), 'new.db'));
    const stepwise = join(tempDir(), 'old.db');
    const old = new Database(stepwise);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.close();
    const migrated = openLedger(stepwise);
    expect(schemaStatements(fresh).sort()).toEqual(schemaStatements(migrated).sort());
    expect(fresh.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    fresh.close();
    migrated.close();
  });

  it('applies an upgrade whole or not at all: a migration that fails leaves the ledger as it was', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    // Something in the way of a later migration (its table's name is taken).
    old.exec('CREATE VIEW escalation_runs AS SELECT 1 AS x');
    old
      .prepare(
        "INSERT INTO token_sources (lineage, path, head_hash, head_len, size, offset, first_seen, last_ingested) VALUES ('l', 'kept.log', 'h', 1, 1, 1, 0, 0)",
      )
      .run();
    old.close();
    expect(() => openLedger(path)).toThrow(/escalation_runs/);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    // Not even the migrations before the failing one are left half-applied.
    const tables = after
      .prepare("SELECT name FROM sqlite_schema WHERE name IN ('scan_runs', 'token_rollup_time')")
      .all();
    expect(tables).toEqual([]);
    expect(after.prepare('SELECT path FROM token_sources').all()).toEqual([{ path: 'kept.log' }]);
    after.close();
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
      "INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, format, total) VALUES ('f', 1, 'line', 'codex', 'b', 'codex-text', 7)",
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
      const r = await runRadar(args, { cwd: dir });
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
    const cli = join(dir, 'cli/radar.db');
    const [results, commands] = await Promise.all([
      Promise.all(paths.flatMap((p) => [opener(p), opener(p)])),
      // and through the real command line: two commands that create one new ledger at once
      Promise.all([
        runCli(['ingest', dir, '--ledger', cli]),
        runCli(['ingest', dir, '--ledger', cli]),
      ]),
    ]);
    for (const r of results)
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // Both open (and migrate) the new ledger; the ingest lock then lets one of them go on.
    expect(commands.map((r) => r.code)).toContain(0);
    for (const r of commands) expect([0, 75]).toContain(r.code);
    expect(commands.map((r) => r.stderr).join('')).not.toMatch(/schema|SQLITE|unexpected/);
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

describe('migration 10: roll-ups sum the tokens of events without a split', () => {
  it('fills them on an existing ledger, keeps every other sum, and keeps them from then on', () => {
    const path = join(tempDir(), 'radar.db');
    const old = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 9)) old.exec(sql);
    old.pragma('user_version = 9');
    old.pragma(`application_id = ${RADAR_APPLICATION_ID}`);
    const insert = old.prepare(
      `INSERT INTO token_events (fingerprint, at, at_source, agent, model, bucket, format, input, output, total, source_path, counted)
       VALUES (?, ?, 'line', ?, ?, 'cron', ?, ?, ?, ?, '/x', 2)`,
    );
    // Two text markers (no split), a split event, and one not counted (a replaced launcher marker).
    insert.run('a', 1_000, 'codex', 'gpt-5', 'codex-text', null, null, 700);
    insert.run('b', 2_000, 'codex', 'gpt-5', 'codex-exec-json', 100, 20, 120);
    insert.run('c', 3_700_000, 'codex', null, 'codex-text', null, null, 50);
    insert.run('d', 4_000, 'codex', 'gpt-5', 'codex-text', null, null, 9_999);
    // Added to the roll-ups as that ledger's ingest did it (no unsplit column yet).
    for (const [table, key] of [
      ['token_rollup_time', 'at / 900000'],
      ['token_rollup_hour', 'at / 3600000'],
      ['token_rollup_day', 'at / 86400000'],
      ['token_rollup_bucket', 'bucket'],
    ])
      old.exec(
        `INSERT INTO ${table} SELECT ${key}, agent, coalesce(model, ''), sum(total), count(*),
           sum(coalesce(input, 0)), 0, 0, sum(coalesce(output, 0))
         FROM token_events WHERE fingerprint <> 'd' GROUP BY 1, 2, 3`,
      );
    old.exec(`UPDATE token_events SET counted = CASE fingerprint WHEN 'd' THEN 0 ELSE 1 END`);
    old.close();

    const db = openLedger(path);
    const day = () =>
      db
        .prepare(
          `SELECT model, tokens, events, input, output, unsplit FROM token_rollup_day ORDER BY model`,
        )
        .all();
    expect(day()).toEqual([
      { model: '', tokens: 50, events: 1, input: 0, output: 0, unsplit: 50 },
      { model: 'gpt-5', tokens: 820, events: 2, input: 100, output: 20, unsplit: 700 },
    ]);
    expect(db.prepare(`SELECT total(unsplit) AS u FROM token_rollup_time`).get()).toEqual({
      u: 750,
    });
    // The re-created triggers keep the new column: counting the replaced marker adds it.
    db.prepare(`UPDATE token_events SET counted = 1 WHERE fingerprint = 'd'`).run();
    db.prepare(`DELETE FROM token_events WHERE fingerprint = 'a'`).run();
    expect(day()).toEqual([
      { model: '', tokens: 50, events: 1, input: 0, output: 0, unsplit: 50 },
      { model: 'gpt-5', tokens: 10_119, events: 2, input: 100, output: 20, unsplit: 9_999 },
    ]);
    db.close();
  });
});

describe('the verdict fingerprints migration on a ledger written by the previous radar', () => {
  it('fills in each recorded verdict its signals’ fingerprints, which its trail is read from', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    const at = MIGRATIONS.indexOf(VERDICT_FINGERPRINTS);
    expect(at).toBeGreaterThan(0);
    for (const sql of MIGRATIONS.slice(0, at)) old.exec(sql);
    old.pragma(`user_version = ${at}`);
    const insert = old.prepare(
      `INSERT INTO verdicts (node_id, evaluated_at, tier, score, route, signals, pending, reasons)
       VALUES (?, 1, ?, 0, ?, ?, '[]', '[]')`,
    );
    const signal = (fingerprint: string) => ({
      kind: fingerprint.split(':')[0],
      fingerprint,
      detail: 'd',
      evidence: { fingerprint: 'not this one' },
    });
    insert.run(
      'PR_1',
      'escalate',
      'agent',
      JSON.stringify([signal('ci:b:x y'), signal('conflict:a')]),
    );
    insert.run('PR_2', 'watch', 'none', '[]');
    old.close();
    const db = openLedger(path);
    expect(new RulesStore(db).trails()).toEqual(
      new Map([
        [
          'PR_1',
          {
            tier: 'escalate',
            route: 'agent',
            signals: [{ fingerprint: 'ci:b:x y' }, { fingerprint: 'conflict:a' }],
          },
        ],
        ['PR_2', { tier: 'watch', route: 'none', signals: [] }],
      ]),
    );
    db.close();
  });
});

describe('the migration that drops the events’ path, on a ledger written by the previous radar', () => {
  it('keeps every event and its sums; a report by file reads the path from the event’s source', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    const at = MIGRATIONS.indexOf(EVENTS_WITHOUT_PATH);
    expect(at).toBe(MIGRATIONS.length - 1);
    for (const sql of MIGRATIONS.slice(0, at)) old.exec(sql);
    old.pragma(`user_version = ${at}`);
    old.pragma(`application_id = ${RADAR_APPLICATION_ID}`);
    const source = old.prepare(
      `INSERT INTO token_sources (id, lineage, path, head_hash, head_len, size, offset, first_seen, last_ingested)
       VALUES (?, ?, ?, 'h', 0, 0, 0, 1, 1)`,
    );
    source.run(1, 'l1', '/logs/nightly.log');
    source.run(2, 'l2', '/home/u/.codex/sessions/r.jsonl');
    const insert = old.prepare(
      `INSERT INTO token_events (fingerprint, at, at_source, agent, bucket, own_bucket, format, total,
         source_id, source_path, source_offset, run_key, counted)
       VALUES (?, ?, 'line', 'codex', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(
      'a',
      1_000,
      'nightly',
      'nightly',
      'codex-text',
      700,
      1,
      '/logs/nightly.log',
      10,
      'codex:t',
      0,
    );
    insert.run(
      'b',
      2_000,
      'nightly',
      'codex-session',
      'codex-rollout',
      120,
      2,
      '/home/u/.codex/sessions/r.jsonl',
      99,
      'codex:t',
      1,
    );
    insert.run(
      'c',
      3_000,
      'nightly',
      'nightly',
      'codex-text',
      50,
      1,
      '/logs/nightly.log',
      40,
      null,
      1,
    );
    old.close();

    const db = openLedger(path);
    const columns = (db.prepare(`PRAGMA table_info(token_events)`).all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columns).not.toContain('source_path');
    const indexed = db.prepare(`PRAGMA index_info(token_events_run_header)`).all() as {
      name: string;
    }[];
    expect(indexed.map((c) => c.name)).toEqual(['format', 'run_key']);
    expect(
      db
        .prepare(
          `SELECT fingerprint, bucket, own_bucket AS own, total, source_id AS source, source_offset AS at,
             run_key AS run, counted FROM token_events ORDER BY id`,
        )
        .all(),
    ).toEqual([
      {
        fingerprint: 'a',
        bucket: 'nightly',
        own: 'nightly',
        total: 700,
        source: 1,
        at: 10,
        run: 'codex:t',
        counted: 0,
      },
      {
        fingerprint: 'b',
        bucket: 'nightly',
        own: 'codex-session',
        total: 120,
        source: 2,
        at: 99,
        run: 'codex:t',
        counted: 1,
      },
      {
        fingerprint: 'c',
        bucket: 'nightly',
        own: 'nightly',
        total: 50,
        source: 1,
        at: 40,
        run: null,
        counted: 1,
      },
    ]);
    expect(
      aggregateByColumn(db, 'file', {})
        .map((r) => [r.key, r.tokens])
        .sort(),
    ).toEqual([
      ['/home/u/.codex/sessions/r.jsonl', 120],
      ['/logs/nightly.log', 50],
    ]);
    expect(checkIntegrity(db)).toEqual(['ok']);
    db.close();
  });
});
