/**
 * Resolves on the event loop's next turn, after the I/O callbacks already due: what a long piece
 * of work on the main thread awaits now and then so that I/O in flight (deletions, a walk's
 * batches) keeps going. Shared by the Node stores.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
