/**
 * FNV-1a, 32 bits, as 8 hex digits: a short, fast, stable digest of a text, for names and
 * fingerprints only (it is not collision-proof: never the sole proof that two texts are equal).
 */
export function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
