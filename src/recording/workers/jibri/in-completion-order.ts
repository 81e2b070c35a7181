/**
 * Yield the results of promises that never reject, in the order they settle, so a caller can
 * act on the first answers without waiting for a slow one.
 */
export async function* inCompletionOrder<T>(promises: Promise<T>[]): AsyncGenerator<T> {
  const pending = new Map(promises.map((p, i) => [i, p.then((value) => ({ i, value }))] as const));
  while (pending.size > 0) {
    const { i, value } = await Promise.race(pending.values());
    pending.delete(i);
    yield value;
  }
}
