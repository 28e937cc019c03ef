/** ANSI colour for terminal output, and the one rule that decides whether to use it. */

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';

const CODES: Record<Style, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** `text` in `style` when colour is on; unchanged otherwise. */
export function paint(text: string, style: Style | undefined, enabled: boolean): string {
  if (!enabled || !style || text === '') return text;
  const [open, close] = CODES[style];
  return `\x1b[${open}m${text}\x1b[${close}m`;
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
