import { isReservedKey } from '../folder/index.js';

/**
 * A set of root-relative keys that belong to the stores themselves (the token file, the
 * journal). Each protects itself, its siblings named `<key>.<anything>` (lock directory, temp
 * files, rotated journals) and, when it is a folder, everything under it.
 */
export class ReservedKeys {
  readonly #keys: readonly string[];

  constructor(keys: Iterable<string>) {
    this.#keys = [...new Set(keys)];
  }

  /** True when `key` is reserved. */
  readonly has = (key: string): boolean => isReservedKey(this.#keys, key);

  /** The reserved keys themselves. */
  get keys(): readonly string[] {
    return this.#keys;
  }
}
