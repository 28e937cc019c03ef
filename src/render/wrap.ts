/** Prose for a terminal of a given width: long lines wrapped at spaces, in display cells. */
import wrapAnsi from 'wrap-ansi';
import { displayWidth } from './table.js';

/** Continuation lines are indented this much past their line's own indent (on 40 cells or more). */
const HANG = '  ';

/**
 * `line` (one line, no newline) in lines of at most `width` display cells: broken at spaces, a
 * word longer than a line cut; the continuation lines hang two cells past the line's indent
 * (unless `hang` is false: a paragraph). Colour escapes (ANSI) take no cells and survive the
 * cut. A line that fits comes back as it is.
 */
export function wrapLine(line: string, width: number, hang = true): string {
  if (displayWidth(line) <= width) return line;
  const lead = /^ */.exec(line)![0].slice(0, Math.max(0, width - 10));
  const indent = hang && width >= 40 ? lead + HANG : lead;
  const cut = (text: string, cells: number) =>
    wrapAnsi(text, Math.max(1, cells), { hard: true }).split('\n');
  const [first = '', ...rest] = cut(line.slice(lead.length), width - lead.length);
  const tail = rest.length ? cut(rest.join(' '), width - indent.length) : [];
  return [lead + first, ...tail.map((l) => indent + l)].join('\n');
}

/** Every line of `text` wrapped to `width` cells (undefined: as it is); see wrapLine. */
export function wrapText(text: string, width: number | undefined, hang = true): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, width, hang))
    .join('\n');
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * `stream` with each line written to it wrapped to `width` cells, and `columns` saying so (a
 * table fitted to the stream's columns then passes whole). Text is passed on line by line as
 * each line ends; `flush` passes on an unfinished last line.
 */
export function wrappingStream<S extends Stream>(stream: S, width: number): S & { flush(): void } {
  let pending = '';
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    pending +=
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString('utf8')
          : String(chunk);
    const end = pending.lastIndexOf('\n');
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (end < 0) {
      callback?.();
      return true;
    }
    const whole = pending.slice(0, end + 1);
    pending = pending.slice(end + 1);
    return stream.write(wrapText(whole, width), callback);
  };
  const flush = () => {
    if (pending) stream.write(wrapText(pending, width));
    pending = '';
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      if (prop === 'flush') return flush;
      if (prop === 'columns') return width;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  }) as S & { flush(): void };
}
