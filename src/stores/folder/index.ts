/** The storage folder: streamed `lstat`-only scans, usage, and contained deletion of regular files. */
export { StorageFolder, type FileState, type StorageFolderOptions } from './storage-folder.js';
export { defaultWalkerThreads } from './walker-threads.js';
export { StorageRoot, isNormalAbsolute, isPlainRelative, joinPlain } from './storage-root.js';
export { walkFolder, type FolderEntry, type FolderWalkOptions } from './folder-walk.js';
export { walkInWorker, type WorkerWalkOptions } from './walk-worker.js';
export { isReservedKey } from './reserved-match.js';
export { removeRegularFile, type UnlinkOutcome } from './remove-file.js';
