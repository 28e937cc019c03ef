import Database from 'better-sqlite3';
import { createRequire } from 'node:module';

let addonPath: string | null | undefined;

/**
 * Where better-sqlite3's compiled addon usually is. Naming it to the constructor skips the
 * `bindings` package's search through a dozen candidate paths, which costs more than opening
 * the ledger; when it is elsewhere (an unusual build), that search still runs.
 */
function nativeBinding(): string | undefined {
  if (addonPath === undefined) {
    try {
      addonPath = createRequire(import.meta.url).resolve(
        'better-sqlite3/build/Release/better_sqlite3.node',
      );
    } catch {
      addonPath = null;
    }
  }
  return addonPath ?? undefined;
}

/** A better-sqlite3 connection: every database radar opens goes through here. */
export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  return new Database(path, { ...options, nativeBinding: nativeBinding() });
}
