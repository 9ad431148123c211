/**
 * Wakes this process's delivery workers when deliveries were queued (fan-out, sendTestEvent,
 * redeliverEvent), so a delivery goes out within milliseconds of its commit instead of at the
 * next poll. The wake-up is a hint: a worker looks a moment later, after the queuing
 * transaction has committed, and its regular poll finds anything queued by another process.
 */
const listeners = new Set<() => void>();

/** How long after the signal a worker looks: enough for the queuing transaction to commit. */
const SETTLE_MS = 20;

export function onDeliveriesQueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function deliveriesQueued(): void {
  if (listeners.size === 0) return;
  setTimeout(() => {
    for (const listener of listeners) listener();
  }, SETTLE_MS).unref();
}
