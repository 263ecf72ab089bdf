import type { Worker } from '../../src/context';
import type { AwsWorld } from '../helpers/aws-world';
import type { StoredMessage } from '../helpers/fake-slack';
import type { TestBot } from '../helpers/test-bot';

/** Steps the two end-to-end stories (story.e2e and bad-deploy-story.e2e) share; their workers run by hand. */

export const blocksOf = (m: StoredMessage) => JSON.stringify(m.blocks ?? []);
export const buttonsIn = (m: StoredMessage) =>
  (m.blocks ?? []).filter((b: any) => b.type === 'actions').flatMap((b: any) => b.elements);

export function worker(t: TestBot, feature: string, name: string): Worker {
  const w = t.bot.features.find((f) => f.name === feature)?.workers?.find((x) => x.name === name);
  if (!w) throw new Error(`no ${name} worker in feature ${feature}`);
  return w;
}

/** Runs the alarm outbox until it is empty, moving the world's clock to each next due item. */
export async function deliverCards(t: TestBot, world: AwsWorld): Promise<void> {
  const outbox = worker(t, 'alarms', 'alarms-outbox');
  for (let i = 0; i < 50; i++) {
    await outbox.runOnce();
    const items = await t.store.outbox.list();
    if (items.length === 0) return;
    const next = Math.min(...items.map((x) => Math.max(x.availableAt, x.claimedUntil ?? 0)));
    world.now = Math.max(world.now, next);
  }
  throw new Error('the alarm outbox did not drain');
}
