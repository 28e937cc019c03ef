/** Counts with their nouns, in one place: "1 request", "2 requests", "1,234 PRs". */
import { formatInt } from './number.js';

export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${formatInt(n)} ${n === 1 ? noun : pluralNoun}`;
}
