import 'fake-indexeddb/auto';
import { CHATTERBOX_RECOVERY_LAYOUT, CHATTERBOX_STORAGE_LAYOUT, IndexedDbSessionStore, type SessionLayout } from '../../src/stores/indexeddb/index.js';
import { runStoreContract, type ContractFixture } from '../contract/store-contract.js';
import { seedDocumentedSessions, seedKeyValueSessions, uniqueName } from './support/seed-sessions.js';

function sessions(fixture: ContractFixture) {
  return fixture.records.map((r) => ({
    id: r.id,
    timestamp: r.createdAt,
    ...(r.lastAccessAt === undefined ? {} : { lastAccessed: r.lastAccessAt }),
    size: r.bytes ?? 0,
  }));
}

const presets: { name: string; layout: SessionLayout; seed: (db: string, fixture: ContractFixture) => Promise<void> }[] = [
  { name: 'indexeddb (ChatterboxStorage key-value)', layout: CHATTERBOX_STORAGE_LAYOUT, seed: (db, f) => seedKeyValueSessions(db, sessions(f)) },
  { name: 'indexeddb (chatterbox-recovery documented)', layout: CHATTERBOX_RECOVERY_LAYOUT, seed: (db, f) => seedDocumentedSessions(db, sessions(f)) },
];

for (const preset of presets) {
  runStoreContract({
    name: preset.name,
    capabilities: { files: false },
    async create(fixture) {
      const layout = { ...preset.layout, databaseName: uniqueName('contract') };
      await preset.seed(layout.databaseName, fixture);
      const open = () => new IndexedDbSessionStore({ layout, limitBytes: null, estimate: null });
      return {
        store: open(),
        reopen: async () => open(),
        cleanup: async () => undefined,
      };
    },
  });
}
