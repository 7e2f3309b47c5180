import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useCleanup } from '../../src/react/index.js';
import { appSessions } from './app-sessions.js';

// `?db=` picks the database (the tests give each page its own); the default is the app's.
const params = new URLSearchParams(location.search);
const databaseName = params.get('db') ?? 'ChatterboxStorage';
const app = appSessions(databaseName);

function Row(props: { label: string; value: string; id: string }) {
  return [h('dt', { key: `${props.id}-label` }, props.label), h('dd', { key: props.id, 'data-testid': props.id }, props.value)];
}

function CleanupPanel() {
  const { ready, running, status, metrics, lastResult, error, runCleanup, refresh } = useCleanup({
    retentionHours: 24,
    maxStorageMB: 100,
    emergencyThresholdPercent: 90,
    store: { preset: 'chatterbox-storage', databaseName },
    intervalHours: 1,
  });
  const [busy, setBusy] = useState(false);
  const act = (work: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await work();
      await refresh();
    } finally {
      setBusy(false);
    }
  };
  return h(
    'section',
    null,
    h('button', { id: 'add-expired', disabled: busy, onClick: act(() => app.add(5, 48, 4096)) }, 'Add 5 expired sessions'),
    h('button', { id: 'add-fresh', disabled: busy, onClick: act(() => app.add(1, 0, 4096)) }, 'Add a fresh session'),
    h('button', { id: 'run', disabled: busy || running || !ready, onClick: act(() => runCleanup()) }, running ? 'Cleaning…' : 'Run cleanup'),
    h(
      'dl',
      null,
      ...Row({ id: 'ready', label: 'Ready', value: ready ? 'yes' : 'no' }),
      ...Row({ id: 'sessions', label: 'Sessions stored', value: String(status?.sessions ?? '…') }),
      ...Row({ id: 'session-bytes', label: 'Session bytes', value: String(status?.sessionBytes ?? '…') }),
      ...Row({ id: 'usage', label: 'Origin storage used', value: status === null ? '…' : `${status.storageInfo.percent.toFixed(3)}%` }),
      ...Row({ id: 'cleared', label: 'Sessions cleared', value: String(metrics.sessionsCleared) }),
      ...Row({ id: 'freed', label: 'Bytes freed', value: String(metrics.bytesFreed) }),
      ...Row({ id: 'last-cleanup', label: 'Last cleanup', value: metrics.lastCleanup?.toISOString() ?? 'never' }),
      ...Row({ id: 'last-run', label: 'Last run here', value: lastResult === null ? '—' : `${lastResult.outcome}: ${lastResult.sessionsCleared} sessions` }),
      ...Row({ id: 'errors', label: 'Errors', value: String(metrics.errors) }),
      ...Row({ id: 'error', label: 'Last problem', value: error?.message ?? metrics.lastError ?? 'none' }),
    ),
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(h(CleanupPanel));
