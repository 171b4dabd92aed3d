/**
 * Renderings that are cached and then embedded in many later strings (a resource's metadata, a
 * notification's shared line parts) are built by concatenation, which V8 keeps as a tree of
 * pieces. Every string built from such a tree, and every hash of it, walks all its pieces again:
 * for a 1 KB metadata rendering that made each HMAC over a sample about 0.6 µs slower than over
 * flat text. Reading one character makes V8 flatten the tree in place, once.
 */
let sink = 0;

/** `text`, flattened in place (same value); for strings that are kept and reused. */
export function flat(text: string): string {
  // Kept in a module variable so that an optimising compiler cannot drop the read.
  if (text.length > 0) sink = (sink + text.charCodeAt(text.length >> 1)) & 0xffff;
  return text;
}
