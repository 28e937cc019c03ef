import type { AgentName } from '../core/agents.js';
import type {
  MarkerFormat,
  RunHeader,
  ThreadTotal,
  TimeSource,
  TokenEvent,
} from '../core/tokens.js';
import type { ParseResult } from './parse-file.js';

/**
 * A parse result as a parser thread posts it: its events in columns. Posted as objects, every
 * string of every event (the session id, run key, model and format repeat on every marker of a
 * file) is written by the structured clone and allocated again by the receiver, which builds
 * each object key by key: about 2 µs an event across the two threads. In columns, the numbers
 * travel as one typed array, each distinct string once, and the receiver builds every event from
 * one literal, all of one shape; only the fingerprints, one per event, are strings of their own.
 * On the 1 GB corpus: 70–90 ms less CPU on the writing thread, about 20 ms on the parser thread.
 * A result parsed on the writing thread itself is never packed.
 */
export interface WireResult extends Omit<ParseResult, 'events'> {
  events: WireEvents;
}

export interface WireEvents {
  fingerprints: string[];
  /** N per event; an absent optional number is 0 with its bit clear in `flags`. */
  numbers: Float64Array;
  /** S per event: an index into `table`, or -1 for absent. */
  strings: Int32Array;
  /** Each distinct string of the string columns, once. */
  table: string[];
  /** Per event: keepLargest, isError and which optional numbers are present. */
  flags: Uint16Array;
  /** The fields few events carry, by event index. */
  rare: [number, RareFields][];
}

type RareFields = Pick<TokenEvent, 'legacyFingerprint' | 'threadTotal' | 'runHeader'>;

/**
 * Columns per event. Numbers: at, total, offset, then the optional input, cachedInput,
 * cacheCreation, output, reasoning. Strings: atSource, agent, model, format, sessionId, runKey.
 * Each field is read and written by name below, not through a list of keys: a parse's events come
 * in several shapes, and a property read by a computed key on them is several times slower.
 */
const N = 8;
const S = 6;

const FLAG_KEEP_LARGEST = 1;
const FLAG_HAS_IS_ERROR = 2;
const FLAG_IS_ERROR = 4;
const HAS_INPUT = 8;
const HAS_CACHED_INPUT = 16;
const HAS_CACHE_CREATION = 32;
const HAS_OUTPUT = 64;
const HAS_REASONING = 128;

/** Indexes each distinct string once; a column's value mostly repeats its previous one. */
class StringTable {
  readonly table: string[] = [];
  private readonly indexOf = new Map<string, number>();
  private readonly last: (string | undefined)[] = new Array<string | undefined>(S).fill(undefined);
  private readonly lastIndex = new Int32Array(S).fill(-1);

  index(column: number, value: string | undefined): number {
    if (value === undefined) return -1;
    if (value === this.last[column]) return this.lastIndex[column]!;
    let index = this.indexOf.get(value);
    if (index === undefined) {
      index = this.table.push(value) - 1;
      this.indexOf.set(value, index);
    }
    this.last[column] = value;
    this.lastIndex[column] = index;
    return index;
  }
}

/** The result to post, and the buffers to transfer with it. */
export function toWire(result: ParseResult): { wire: WireResult; transfer: ArrayBuffer[] } {
  const events = result.events;
  const count = events.length;
  const numbers = new Float64Array(count * N);
  const strings = new Int32Array(count * S);
  const flags = new Uint16Array(count);
  const fingerprints = new Array<string>(count);
  const table = new StringTable();
  const rare: [number, RareFields][] = [];
  for (let i = 0; i < count; i++) {
    const e = events[i]!;
    fingerprints[i] = e.fingerprint;
    const n = i * N;
    numbers[n] = e.at;
    numbers[n + 1] = e.total;
    numbers[n + 2] = e.offset;
    let bits = e.keepLargest ? FLAG_KEEP_LARGEST : 0;
    if (e.isError !== undefined) bits |= FLAG_HAS_IS_ERROR | (e.isError ? FLAG_IS_ERROR : 0);
    if (e.input !== undefined) {
      numbers[n + 3] = e.input;
      bits |= HAS_INPUT;
    }
    if (e.cachedInput !== undefined) {
      numbers[n + 4] = e.cachedInput;
      bits |= HAS_CACHED_INPUT;
    }
    if (e.cacheCreation !== undefined) {
      numbers[n + 5] = e.cacheCreation;
      bits |= HAS_CACHE_CREATION;
    }
    if (e.output !== undefined) {
      numbers[n + 6] = e.output;
      bits |= HAS_OUTPUT;
    }
    if (e.reasoning !== undefined) {
      numbers[n + 7] = e.reasoning;
      bits |= HAS_REASONING;
    }
    flags[i] = bits;
    const s = i * S;
    strings[s] = table.index(0, e.atSource);
    strings[s + 1] = table.index(1, e.agent);
    strings[s + 2] = table.index(2, e.model);
    strings[s + 3] = table.index(3, e.format);
    strings[s + 4] = table.index(4, e.sessionId);
    strings[s + 5] = table.index(5, e.runKey);
    if (
      e.legacyFingerprint !== undefined ||
      e.threadTotal !== undefined ||
      e.runHeader !== undefined
    )
      rare.push([
        i,
        {
          legacyFingerprint: e.legacyFingerprint,
          threadTotal: e.threadTotal,
          runHeader: e.runHeader,
        },
      ]);
  }
  return {
    wire: {
      ...result,
      events: { fingerprints, numbers, strings, table: table.table, flags, rare },
    },
    transfer: [numbers.buffer, strings.buffer, flags.buffer] as ArrayBuffer[],
  };
}

/** What a parse pool answers: a result parsed on this thread, or one posted by a parser thread. */
export type ParseAnswer = ParseResult | WireResult;

/**
 * The parse result of an answer, unpacked when the ingest takes it, not when it arrives: an
 * answer waits its turn (up to dozens of files ahead), and its events, built only now, die young
 * instead of being copied by every collection of the young generation meanwhile.
 */
export function resultOf(answer: ParseAnswer): ParseResult {
  return Array.isArray(answer.events) ? (answer as ParseResult) : fromWire(answer as WireResult);
}

/** The parse result a parser thread packed with toWire: equal to it, field by field. */
function fromWire(wire: WireResult): ParseResult {
  const { fingerprints, numbers, strings, table, flags, rare } = wire.events;
  const count = fingerprints.length;
  const events = new Array<TokenEvent>(count);
  for (let i = 0; i < count; i++) {
    const n = i * N;
    const s = i * S;
    const bits = flags[i]!;
    const model = strings[s + 2]!;
    const sessionId = strings[s + 4]!;
    const runKey = strings[s + 5]!;
    // Every field written out: one literal, one shape, and a field added to TokenEvent fails to
    // compile here until it travels.
    const event: { [K in keyof Required<TokenEvent>]: TokenEvent[K] } = {
      fingerprint: fingerprints[i]!,
      legacyFingerprint: undefined,
      keepLargest: (bits & FLAG_KEEP_LARGEST) !== 0,
      at: numbers[n]!,
      atSource: table[strings[s]!] as TimeSource,
      agent: table[strings[s + 1]!] as AgentName,
      model: model < 0 ? undefined : table[model],
      format: table[strings[s + 3]!] as MarkerFormat,
      input: bits & HAS_INPUT ? numbers[n + 3] : undefined,
      cachedInput: bits & HAS_CACHED_INPUT ? numbers[n + 4] : undefined,
      cacheCreation: bits & HAS_CACHE_CREATION ? numbers[n + 5] : undefined,
      output: bits & HAS_OUTPUT ? numbers[n + 6] : undefined,
      reasoning: bits & HAS_REASONING ? numbers[n + 7] : undefined,
      total: numbers[n + 1]!,
      offset: numbers[n + 2]!,
      sessionId: sessionId < 0 ? undefined : table[sessionId],
      isError: bits & FLAG_HAS_IS_ERROR ? (bits & FLAG_IS_ERROR) !== 0 : undefined,
      runKey: runKey < 0 ? undefined : table[runKey],
      threadTotal: undefined as ThreadTotal | undefined,
      runHeader: undefined as RunHeader | undefined,
    };
    events[i] = event;
  }
  for (const [i, fields] of rare) {
    const event = events[i]!;
    event.legacyFingerprint = fields.legacyFingerprint;
    event.threadTotal = fields.threadTotal;
    event.runHeader = fields.runHeader;
  }
  return { ...wire, events };
}
