import type { TokenEvent } from '../../../src/core/tokens.js';
import type { Ledger, NewSource } from '../../../src/ledger/ports.js';

/**
 * What a contract case gets: a fresh, empty ledger of the engine under test, and a way to close
 * it. Every engine (SQLite today) runs the same cases through its own factory.
 */
export interface FreshLedger {
  ledger: Ledger;
  close(): void;
}

export type LedgerFactory = () => FreshLedger;

/** Runs `fn` against a fresh ledger and closes it, whatever happens. */
export async function withLedger<T>(
  fresh: LedgerFactory,
  fn: (ledger: Ledger) => T | Promise<T>,
): Promise<T> {
  const { ledger, close } = fresh();
  try {
    return await fn(ledger);
  } finally {
    close();
  }
}

/** The machine the contract's sources belong to. */
export const MACHINE = 'machine-a';

export const T0 = Date.parse('2026-06-15T12:00:00Z');

export function tokenEvent(overrides: Partial<TokenEvent> = {}): TokenEvent {
  return {
    fingerprint: 'fp-1',
    keepLargest: false,
    at: T0,
    atSource: 'line',
    agent: 'codex',
    model: 'gpt-5',
    format: 'codex-exec-json',
    input: 100,
    cachedInput: 40,
    output: 20,
    reasoning: 5,
    total: 120,
    offset: 0,
    ...overrides,
  };
}

export function source(overrides: Partial<NewSource> = {}): NewSource {
  return {
    machine: MACHINE,
    lineage: 'lineage-1',
    path: '/logs/a.log',
    dev: 1,
    ino: 10,
    headHash: 'head',
    headLen: 64,
    size: 500,
    offset: 500,
    tailHash: 'tail',
    encoding: 'plain',
    family: undefined,
    state: null,
    mtimeMs: T0,
    now: T0,
    ...overrides,
  };
}
