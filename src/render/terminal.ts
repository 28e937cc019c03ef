/**
 * Everything radar prints goes through here (the context wraps stdout and stderr), so no command
 * can let a control character from GitHub or a log reach the terminal. radar's own escapes
 * (colour, the progress line's carriage return and erase) are written as markers that carry a
 * number drawn when radar starts; only those become escape sequences. Every other control
 * character, an ESC in a PR title included, is shown escaped (see inert.ts). `--json` output
 * keeps its data: only characters JSON.stringify leaves raw are written as `\uXXXX`.
 */
import { inertBlock, inertJson } from './inert.js';

/** Private-use code point, then a per-process number no text from outside can know. */
const MARK = `\ue000${Math.random().toString(36).slice(2, 12)}\ue001`;
const MARKED = new RegExp(`${MARK}(\\d+m|K|r)`, 'g');

/** SGR `code` (a colour, bold) as radar writes it into its own text. */
export function sgr(code: number): string {
  return `${MARK}${code}m`;
}

/** Back to the start of the line (a progress line that rewrites itself). */
export const LINE_START = `${MARK}r`;
/** Back to the start of the line and erase it (the end of a progress line). */
export const CLEAR_LINE = `${MARK}K`;

/** Human text for a terminal: foreign controls escaped, radar's own markers made real. */
export function forTerminal(text: string): string {
  return inertBlock(text).replace(MARKED, (_, what: string) =>
    what === 'r' ? '\r' : what === 'K' ? '\r\x1b[K' : `\x1b[${what}`,
  );
}

export type OutputMode = 'text' | 'json';

/** The text `write` passes on for one kind of output. */
export function guardOutput(text: string, mode: OutputMode): string {
  return mode === 'json' ? inertJson(text) : forTerminal(text);
}

type Writable = NodeJS.WritableStream;

/** The stream a guarded stream writes to (see `unguarded`). */
const RAW = Symbol('radar.unguarded');

/**
 * `stream` with every string or byte chunk written to it guarded for `mode`; everything else
 * (isTTY, columns, events) is the stream's own.
 */
export function guardStream<S extends Writable>(stream: S, mode: OutputMode): S {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString('utf8')
          : String(chunk);
    return (stream.write as (...args: unknown[]) => boolean)(guardOutput(text, mode), ...rest);
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      if (prop === RAW) return target;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/**
 * The stream under a guarded one (a stream that was never guarded: itself). For a caller that
 * hands the stream to a new context, which guards it again: twice guarded, radar's own colours
 * would show as escaped text.
 */
export function unguarded<S extends Writable>(stream: S): S {
  return ((stream as unknown as Record<symbol, S | undefined>)[RAW] ?? stream) as S;
}
