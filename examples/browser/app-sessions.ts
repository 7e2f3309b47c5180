import { openDB } from 'idb';

const HOUR = 3_600_000;

/** The app's side: writes recovery sessions the way the web app stores them. */
export interface AppSessions {
  readonly databaseName: string;
  /** Adds sessions last used `hoursAgo` hours ago, each with an audio blob of `bytes` bytes. */
  add(count: number, hoursAgo: number, bytes: number): Promise<void>;
  /** Marks a session as the one the user has open. */
  setActive(id: string): Promise<void>;
}

let next = 0;

/** Opens (creating when needed, as the app does) the app's `ChatterboxStorage` database. */
export function appSessions(databaseName: string): AppSessions {
  const open = () =>
    openDB(databaseName, 1, {
      upgrade(db) {
        db.createObjectStore('keyValueStore', { keyPath: 'key' });
      },
    });
  return {
    databaseName,
    async add(count, hoursAgo, bytes) {
      const db = await open();
      try {
        const tx = db.transaction('keyValueStore', 'readwrite');
        const when = Date.now() - hoursAgo * HOUR;
        for (let i = 0; i < count; i += 1) {
          next += 1;
          const id = `demo-${Date.now().toString(36)}-${next}`;
          const audio = new Blob([crypto.getRandomValues(new Uint8Array(Math.min(bytes, 65_536)))], { type: 'audio/wav' });
          void tx.store.put({ key: `cbx_recovery_session_${id}`, value: { id, lastAccessed: when, audio }, timestamp: when, size: audio.size });
        }
        await tx.done;
      } finally {
        db.close();
      }
    },
    async setActive(id) {
      const db = await open();
      try {
        await db.put('keyValueStore', { key: 'cbx_active_session', value: id, timestamp: Date.now() });
      } finally {
        db.close();
      }
    },
  };
}
