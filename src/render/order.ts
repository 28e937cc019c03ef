/**
 * Orders strings by Unicode code point: the same on every machine, whatever its locale
 * (`localeCompare` and `Intl.Collator` follow LANG/LC_ALL, so `B` may sort before or after `a`).
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * UTF-16 code units rank like the code points they start: surrogates (U+D800–DFFF, which start
 * code points from U+10000 on) go after U+E000–FFFF instead of before them.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
