/**
 * True when `key` is one of `reserved` or belongs to one: its siblings named `<reserved>.<anything>`
 * (a lock directory, temp files, rotated journals) and, when it is a folder, everything under it.
 * Self-contained: the folder walk's worker runs it by its source text.
 */
export function isReservedKey(reserved: readonly string[], key: string): boolean {
  for (const candidate of reserved) {
    if (key.length < candidate.length || !key.startsWith(candidate)) continue;
    if (key.length === candidate.length) return true;
    const next = key.charCodeAt(candidate.length);
    // `.` (a sibling such as a lock or temp file) or `/` (inside a reserved folder).
    if (next === 46 || next === 47) return true;
  }
  return false;
}
