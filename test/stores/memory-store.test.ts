import { MemoryStore, type MemoryRecord } from '../../src/stores/memory/index.js';
import { runStoreContract, type ContractFixture } from '../contract/store-contract.js';

function seed(fixture: ContractFixture, withFiles: boolean): { records: MemoryRecord[]; files: ConstructorParameters<typeof MemoryStore>[0] } {
  const records: MemoryRecord[] = fixture.records.map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    ...(r.expiresAt === undefined ? {} : { expiresAt: r.expiresAt }),
    ...(r.lastAccessAt === undefined ? {} : { lastAccessAt: r.lastAccessAt }),
    ...(withFiles ? { fileKey: r.file?.key } : { kind: 'session', bytes: r.bytes }),
  }));
  const files = withFiles ? [...fixture.records.map((r) => r.file!), ...fixture.files] : [];
  return { records, files: { records, files } };
}

for (const withFiles of [true, false]) {
  runStoreContract({
    name: withFiles ? 'memory (records with files)' : 'memory (sessions)',
    capabilities: { files: withFiles },
    async create(fixture) {
      const store = new MemoryStore(seed(fixture, withFiles).files);
      // Memory is its own durable medium: reopening sees the same instance.
      return { store, reopen: async () => store, cleanup: async () => undefined };
    },
  });
}
