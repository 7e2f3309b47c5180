import { ServerStore } from '../../../src/stores/server/index.js';
import { runStoreContract } from '../../contract/store-contract.js';
import { sandbox } from './helpers.js';

for (const walker of ['thread', 'worker'] as const) runStoreContract({
  name: `json-file (ServerStore over a token file and a storage folder, walks on a ${walker === 'thread' ? 'this thread' : 'worker thread'})`,
  capabilities: { files: true },
  async create(fixture) {
    const box = sandbox();
    const tokens: Record<string, unknown> = {};
    for (const record of fixture.records) {
      const file = record.file as NonNullable<typeof record.file>;
      box.file(file.key, file.size, file.mtimeMs);
      tokens[record.id] = {
        token_id: record.id,
        file_path: file.key,
        created_at: new Date(record.createdAt).toISOString(),
        ...(record.expiresAt === undefined ? {} : { expires_at: new Date(record.expiresAt).toISOString() }),
        file_size: file.size,
      };
    }
    for (const file of fixture.files) box.file(file.key, file.size, file.mtimeMs);
    box.tokens(tokens);
    const open = (): ServerStore => new ServerStore({ storagePath: box.root, tokenFile: box.tokenFile, limitBytes: null, walker });
    return { store: open(), reopen: async () => open(), cleanup: async () => box.cleanup() };
  },
});
