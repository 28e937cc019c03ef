/** ANSI colour for terminal output, and the one rule that decides whether to use it. */
import { sgr } from './terminal.js';

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';

const CODES: Record<Style, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/**
 * `text` in `style` when colour is on; unchanged otherwise. The escapes are radar's markers,
 * made real when the text is written (render/terminal.ts), so an escape inside `text` never is.
 */
export function paint(text: string, style: Style | undefined, enabled: boolean): string {
  if (!enabled || !style || text === '') return text;
  const [open, close] = CODES[style];
  return `${sgr(open)}${text}${sgr(close)}`;
}

/**
 * `--no-color` wins, then `NO_COLOR` (any non-empty value, see no-color.org), then `FORCE_COLOR`
 * (any value but `0` or `false`); otherwise colour only on a terminal that is not `TERM=dumb`.
 */
export function colorEnabled(input: {
  flag: boolean | undefined;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}): boolean {
  const { flag, env, isTTY } = input;
  if (flag === false) return false;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}
