/**
 * The consuming side's callbacks as the coordinator calls them: never throwing, because a failing
 * callback must neither break a rebalance half-way nor keep a lease held. A failed onAcquire means
 * the consumer did not start (the coordinator gives the lease back and retries); a failed
 * onRelease is logged and the lease released anyway — keeping it would block the partition for
 * everyone, and the state store's epoch fencing refuses whatever the old consumer still writes.
 */
import type { Logger } from '../observability/logger.js';
import { refKey } from './coordinator-plan.js';
import type { PartitionConsumer, ReleaseReason } from './coordinator-types.js';
import type { PartitionRef } from './types.js';

export class GuardedConsumer {
  constructor(
    private readonly consumer: PartitionConsumer,
    private readonly logger: Logger,
  ) {}

  /** Whether the consumer started. */
  async start(ref: PartitionRef, epoch: number): Promise<boolean> {
    try {
      await this.consumer.onAcquire(ref, epoch);
      return true;
    } catch (err) {
      this.logger.error({ partition: refKey(ref), epoch, err: String(err) }, 'onAcquire failed');
      return false;
    }
  }

  async stop(ref: PartitionRef, reason: ReleaseReason): Promise<void> {
    try {
      await this.consumer.onRelease(ref, reason);
    } catch (err) {
      this.logger.error({ partition: refKey(ref), reason, err: String(err) }, 'onRelease failed');
    }
  }
}
