/** Numbers as radar prints them, without Intl or the width tables of table.ts. */

/**
 * A count with comma groups (1,234,567), as `toLocaleString('en-US')` prints it but without
 * Intl: its first use loads locale data, which costs more than a whole cron-path command.
 */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(n);
  let digits = String(Math.abs(rounded));
  // From 1e21 String() writes an exponent ("1.5e+21"): its digits, then zeros, as Intl does.
  const e = digits.indexOf('e+');
  if (e >= 0) {
    const mantissa = digits.slice(0, e).replace('.', '');
    digits = mantissa.padEnd(Number(digits.slice(e + 2)) + 1, '0');
  }
  return `${rounded < 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}
