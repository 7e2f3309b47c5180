/**
 * Seeded, index-addressable randomness: the attributes of file `i` come from a hash of
 * (seed, i, lane), so any file can be re-created exactly without keeping a list of them.
 */

/** A 32-bit integer hash (lowbias32 by Chris Wellons): good avalanche, no state. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform 32-bit integer for (seed, index, lane). */
export function hash32(seed: number, index: number, lane: number): number {
  return mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ index) ^ Math.imul(lane + 1, 0x85ebca6b));
}

/** A uniform number in [0, 1) for (seed, index, lane). */
export function unit(seed: number, index: number, lane: number): number {
  return hash32(seed, index, lane) / 4_294_967_296;
}

/** `length` pseudo-random bytes from a seed (file contents: not compressible, not all zero). */
export function randomBytes(seed: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i += 4) {
    const word = hash32(seed, i, 99);
    buffer[i] = word & 0xff;
    if (i + 1 < length) buffer[i + 1] = (word >>> 8) & 0xff;
    if (i + 2 < length) buffer[i + 2] = (word >>> 16) & 0xff;
    if (i + 3 < length) buffer[i + 3] = word >>> 24;
  }
  return buffer;
}
