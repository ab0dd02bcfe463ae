/**
 * Runs tasks one at a time per key, in arrival order. Billing confirms a payment in two steps
 * (the ledger's grant, then the purchase's status); duplicate notifications arriving together
 * wait for each other here instead of racing. Across servers the ledger's idempotency key and the
 * store's conditional status change keep it exactly once; this only keeps one server calm.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
