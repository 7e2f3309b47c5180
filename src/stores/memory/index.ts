export { MemoryStore, type MemoryFile, type MemoryRecord, type MemoryStoreInit } from './memory-store.js';
