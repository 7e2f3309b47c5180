/**
 * The JSON token file of the original service: reading every form of SPEC §4, and locked,
 * atomic writes shared by the cleanup and the host app.
 */
export { TokenFile, type NewToken, type TokenEdit, type TokenFileOptions, type TokenFileSnapshot } from './token-file.js';
export { parseTokenEntry, type ParsedTokenEntry, type RejectedTokenEntry, type TokenEntry } from './token-entry.js';
export {
  parseTokenDocument,
  readTokenEntries,
  serializeTokenDocument,
  type TokenDocument,
  type TokenDocumentForm,
  type TokenDocumentRead,
  type TokenEntries,
} from './token-document.js';
export { EPOCH_SECONDS_LIMIT, formatTokenTime, parseTokenTime, type TokenTime } from './token-time.js';
export { tokenLockPath, withTokenLock, type HeldLock, type TokenLockOptions } from './token-file-lock.js';
export { isTempNameOf, writeFileAtomically } from './atomic-write.js';
