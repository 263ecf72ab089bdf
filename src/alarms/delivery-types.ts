import type { AppContext } from '../context';
import type { Logger } from '../logger';
import type { OutboxItem } from '../store/outbox';
import type { ChannelPacer } from './pacer';

/** What a delivery needs besides the item. */
export interface DeliveryEnv {
  ctx: AppContext;
  pacer: ChannelPacer;
  log: Logger;
  /** Warnings already logged by this worker that should be said once, not on every item. */
  warned: Set<string>;
}

/** `done`: delete the item. `deferUntil`: not now (pacing, silence) and not a failure. Throwing is a failed attempt. */
export type Delivery = { done: true } | { deferUntil: number };

export const DONE: Delivery = { done: true };

export type Deliver = (item: OutboxItem, env: DeliveryEnv) => Promise<Delivery>;
