import type { AgentName } from '../core/agents.js';
import type { MarkerFormat, TimeSource, TokenEvent } from '../core/tokens.js';

/**
 * A file's parsed events as columns, the way a parser thread hands them to the thread that
 * writes the ledger. A structured clone of an array of event objects writes every key of every
 * object and rebuilds every object on the other side, on the writing thread, which is the
 * ingest's critical path; these columns are a few arrays: the numbers in one Float64Array (whose
 * buffer is transferred, not copied), the texts that repeat from event to event (agent, format,
 * model, session, run) as indexes into one string table, and the rare fields as a sparse list.
 * `unpackEvents(packEvents(events))` gives the same events.
 */
export interface EventColumns {
  count: number;
  /** One per event. */
  fingerprints: string[];
  /** NUMBERS values per event, in that order. */
  numbers: Float64Array;
  /** Which optional numbers an event has, and its flags (PRESENT bits). */
  flags: Uint8Array;
  /** Every repeating text once; an event's columns hold indexes into it (0: none). */
  strings: (string | undefined)[];
  /** TEXTS indexes per event, in that order. */
  texts: Uint32Array;
  /** Events that carry a rare field: [event index, those fields]. */
  rare: [number, RareFields][];
}

type RareFields = Pick<TokenEvent, 'legacyFingerprint' | 'threadTotal' | 'runHeader'>;

const NUMBERS = 8; // at, total, offset, input, cachedInput, cacheCreation, output, reasoning
const TEXTS = 6; // atSource, agent, model, format, sessionId, runKey
const KEEP_LARGEST = 1;
/** isError set (to true or false), and its value. */
const HAS_IS_ERROR = 2;
const IS_ERROR = 4;
/** Bits of the optional counts, from input to reasoning. */
const HAS_COUNT = [8, 16, 32, 64, 128] as const;

export function packEvents(events: readonly TokenEvent[]): EventColumns {
  const count = events.length;
  const numbers = new Float64Array(count * NUMBERS);
  const flags = new Uint8Array(count);
  const texts = new Uint32Array(count * TEXTS);
  const strings: (string | undefined)[] = [undefined];
  const indexOf = new Map<string, number>();
  const ref = (s: string | undefined): number => {
    if (s === undefined) return 0;
    let i = indexOf.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      indexOf.set(s, i);
    }
    return i;
  };
  const fingerprints = new Array<string>(count);
  const rare: [number, RareFields][] = [];
  for (let i = 0; i < count; i++) {
    const e = events[i]!;
    fingerprints[i] = e.fingerprint;
    const n = i * NUMBERS;
    numbers[n] = e.at;
    numbers[n + 1] = e.total;
    numbers[n + 2] = e.offset;
    let f =
      (e.keepLargest ? KEEP_LARGEST : 0) |
      (e.isError === undefined ? 0 : HAS_IS_ERROR) |
      (e.isError ? IS_ERROR : 0);
    const counts = [e.input, e.cachedInput, e.cacheCreation, e.output, e.reasoning];
    for (let c = 0; c < counts.length; c++) {
      const v = counts[c];
      if (v === undefined) continue;
      numbers[n + 3 + c] = v;
      f |= HAS_COUNT[c]!;
    }
    flags[i] = f;
    const t = i * TEXTS;
    texts[t] = ref(e.atSource);
    texts[t + 1] = ref(e.agent);
    texts[t + 2] = ref(e.model);
    texts[t + 3] = ref(e.format);
    texts[t + 4] = ref(e.sessionId);
    texts[t + 5] = ref(e.runKey);
    if (
      e.legacyFingerprint !== undefined ||
      e.threadTotal !== undefined ||
      e.runHeader !== undefined
    ) {
      const fields: RareFields = {};
      if (e.legacyFingerprint !== undefined) fields.legacyFingerprint = e.legacyFingerprint;
      if (e.threadTotal !== undefined) fields.threadTotal = e.threadTotal;
      if (e.runHeader !== undefined) fields.runHeader = e.runHeader;
      rare.push([i, fields]);
    }
  }
  return { count, fingerprints, numbers, flags, strings, texts, rare };
}

/** The buffers a postMessage of these columns may transfer instead of copying. */
export function transferables(columns: EventColumns): ArrayBuffer[] {
  return [columns.numbers.buffer, columns.flags.buffer, columns.texts.buffer] as ArrayBuffer[];
}

/** The events `packEvents` was given, in order: each key as the parser set it. */
export function unpackEvents(c: EventColumns): TokenEvent[] {
  const { numbers, flags, texts, strings } = c;
  const count = (n: number, bit: number, f: number) => (f & bit ? numbers[n] : undefined);
  const events = new Array<TokenEvent>(c.count);
  for (let i = 0; i < c.count; i++) {
    const n = i * NUMBERS;
    const t = i * TEXTS;
    const f = flags[i]!;
    const e: TokenEvent = {
      fingerprint: c.fingerprints[i]!,
      keepLargest: (f & KEEP_LARGEST) !== 0,
      at: numbers[n]!,
      atSource: strings[texts[t]!] as TimeSource,
      agent: strings[texts[t + 1]!] as AgentName,
      format: strings[texts[t + 3]!] as MarkerFormat,
      total: numbers[n + 1]!,
      offset: numbers[n + 2]!,
    };
    // Only the keys the parser set: an event compares and spreads as it was parsed.
    const model = strings[texts[t + 2]!];
    if (model !== undefined) e.model = model;
    const input = count(n + 3, HAS_COUNT[0], f);
    if (input !== undefined) e.input = input;
    const cachedInput = count(n + 4, HAS_COUNT[1], f);
    if (cachedInput !== undefined) e.cachedInput = cachedInput;
    const cacheCreation = count(n + 5, HAS_COUNT[2], f);
    if (cacheCreation !== undefined) e.cacheCreation = cacheCreation;
    const output = count(n + 6, HAS_COUNT[3], f);
    if (output !== undefined) e.output = output;
    const reasoning = count(n + 7, HAS_COUNT[4], f);
    if (reasoning !== undefined) e.reasoning = reasoning;
    const sessionId = strings[texts[t + 4]!];
    if (sessionId !== undefined) e.sessionId = sessionId;
    const runKey = strings[texts[t + 5]!];
    if (runKey !== undefined) e.runKey = runKey;
    if (f & HAS_IS_ERROR) e.isError = (f & IS_ERROR) !== 0;
    events[i] = e;
  }
  for (const [i, fields] of c.rare) Object.assign(events[i]!, fields);
  return events;
}
