/**
 * Real sizes of what IndexedDB holds: binary data by its byte length, text by its UTF-8 bytes.
 * The original client guessed sizes from `JSON.stringify(value).length`, which counts a Blob as
 * `{}` (2 bytes) and a typed array as its digits; this never does.
 */

/** Bytes of a string encoded as UTF-8 (what `new TextEncoder().encode(s).length` gives). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair is one code point of four bytes.
        bytes += 4;
        i += 1;
      } else {
        bytes += 3;
      }
    } else {
      // Lone surrogates become U+FFFD (3 bytes) in UTF-8, like TextEncoder does.
      bytes += 3;
    }
  }
  return bytes;
}

function isBlob(value: object): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/**
 * The bytes a structured-clone value occupies as data: `Blob.size` for blobs and files,
 * `byteLength` for ArrayBuffers and typed arrays or DataViews, UTF-8 bytes for strings (also
 * object keys), 8 for a number, bigint or Date, 1 for a boolean; containers add up their
 * contents, and an object reached twice counts once (structured clone stores it once).
 * It measures the payload, not the engine's on-disk encoding, which compresses and adds
 * overhead; for the sessions that matter (audio blobs, sample arrays) the two agree closely.
 */
export function sessionBytes(value: unknown): number {
  const seen = new Set<object>();
  const measure = (item: unknown): number => {
    switch (typeof item) {
      case 'string':
        return utf8ByteLength(item);
      case 'number':
      case 'bigint':
        return 8;
      case 'boolean':
        return 1;
      case 'object':
        break;
      default:
        return 0;
    }
    if (item === null) return 0;
    if (seen.has(item)) return 0;
    seen.add(item);
    if (isBlob(item)) return item.size;
    if (item instanceof ArrayBuffer) return item.byteLength;
    if (ArrayBuffer.isView(item)) return item.byteLength;
    if (item instanceof Date) return 8;
    if (item instanceof Map) {
      let total = 0;
      for (const [key, entry] of item) total += measure(key) + measure(entry);
      return total;
    }
    if (item instanceof Set) {
      let total = 0;
      for (const entry of item) total += measure(entry);
      return total;
    }
    if (Array.isArray(item)) {
      let total = 0;
      for (const entry of item) total += measure(entry);
      return total;
    }
    let total = 0;
    for (const [key, entry] of Object.entries(item)) total += utf8ByteLength(key) + measure(entry);
    return total;
  };
  return measure(value);
}
