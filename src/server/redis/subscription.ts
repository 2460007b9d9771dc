// One Redis pub/sub channel shared by a store's listeners, on a connection of its own (a
// subscribed connection can do nothing else). Pub/sub is at-most-once: a message missed while the
// connection was down is not replayed, so every user has its own fallback (timers, re-reads).
import type { RedisClient } from './connection';

export class RedisSubscription<L> {
  private subscriber: RedisClient | undefined;
  private readonly listeners = new Set<L>();

  /** `deliver`: hands one message to one listener (called once per listener). */
  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly deliver: (listener: L, message: string) => void,
  ) {}

  /** Subscribes (once, for every listener); resolves once subscribed, with the unsubscribe function. */
  async add(listener: L): Promise<() => void> {
    if (!this.subscriber) {
      const sub = (this.subscriber = this.redis.duplicate());
      sub.on('error', () => undefined);
      sub.on('message', (_channel: string, message: string) => {
        for (const l of this.listeners) {
          try {
            this.deliver(l, message);
          } catch {
            // A listener's bug must not stop the others or the subscription.
          }
        }
      });
      try {
        await sub.subscribe(this.channel);
      } catch (err) {
        // Not subscribed (Redis down): drop this connection so a retried add() subscribes afresh.
        if (this.subscriber === sub) this.subscriber = undefined;
        sub.disconnect();
        throw err;
      }
    }
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
