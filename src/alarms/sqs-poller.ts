import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { awsOutcomeOf } from '../aws/instrument';
import type { SqsQueue } from '../aws/sqs-queues';
import type { AppContext, Worker } from '../context';
import type { ReadinessCheck } from '../readiness';
import type { SnsIntake } from './sns-route';
import { deleteReceived } from './sqs-delete';

/** SQS's longest long poll: one request waits up to this long for a message. */
export const SQS_WAIT_SECONDS = 20;
/** SQS's largest batch. */
export const SQS_BATCH = 10;
/** Batches one poller may have received and not yet finished (stored and deleted). */
const BATCHES_IN_FLIGHT = 4;

export interface SqsPollerOptions {
  queues: SqsQueue[];
  pollersPerQueue: number;
  /** The client for a queue's region (undefined: the bot's own). */
  clientFor: (region: string | undefined) => Promise<SQSClient>;
  intake: SnsIntake;
  /** First back-off after a failed receive or a batch the bot could not store (doubles, jittered). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** /readyz fails once a queue has had no successful receive for this long. */
  staleMs?: number;
  /** Long-poll wait per receive (tests may shorten it; SQS's maximum otherwise). */
  waitSeconds?: number;
  /** Batches one poller may hold at once (default 4). */
  batchesInFlight?: number;
}

/** Why a message stays in the queue although the bot could read it: a refusal that is not the message's fault. */
const LEAVE_REJECTED = new Set(['stale']);

/**
 * Alarms from SQS queues subscribed to the alarm topics (raw message delivery off, so each body is the
 * signed SNS envelope). A few long polls per queue; each body goes through the same intake as
 * POST /sns (signature, topic allow-list, shared dedup, store), the messages of one receive together
 * (the ingest batches them into one transaction). A message is deleted only once its answer is final:
 * stored, a duplicate, or refused for good (forged, malformed: counted and logged). A transient failure
 * (store down, certificate unreachable) leaves it to SQS, which delivers it again after its visibility
 * timeout and moves it to the dead-letter queue after the redrive policy's receive count. A message
 * older than the replay window is refused like on /sns but left for the dead-letter queue too, so a bot
 * that was down for longer loses nothing silently.
 *
 * Stopping ends the polls at once: a receive still waiting is abandoned (anything it brings back
 * becomes visible again after its visibility timeout) and a batch being stored finishes and is deleted.
 */
export class SqsPoller implements Worker {
  readonly name = 'sqs-poller';
  private stopped = true;
  private readonly loops: Promise<void>[] = [];
  private readonly inBatch = new Set<Promise<unknown>>();
  /** Called once on stop: each ends one wait (a long poll, a back-off, a wait for a batch). */
  private readonly stopWaiters = new Set<() => void>();
  /** Aborts the long polls in flight on stop (the SDK closes their connections). */
  private abort = new AbortController();
  private readonly lastOk = new Map<string, number>();
  private startedAt = 0;
  private readonly log;

  constructor(
    private readonly ctx: Pick<AppContext, 'logger' | 'metrics' | 'clock' | 'readiness'>,
    private readonly o: SqsPollerOptions,
  ) {
    this.log = ctx.logger.child({ component: 'sqs' });
    for (const q of o.queues) ctx.readiness.add(`sqs:${q.url}`, this.readinessOf(q));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.startedAt = this.ctx.clock.now();
    this.abort = new AbortController();
    for (const q of this.o.queues) for (let i = 0; i < this.o.pollersPerQueue; i++) this.loops.push(this.loop(q, i));
    this.log.info(
      { queues: this.o.queues.map((q) => q.name), pollersPerQueue: this.o.pollersPerQueue },
      'polling SQS for alarms',
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const w of [...this.stopWaiters]) w();
    this.stopWaiters.clear();
    await Promise.allSettled(this.loops.splice(0));
    await Promise.allSettled([...this.inBatch]);
  }

  /** One receive per queue without waiting, its batch handled: for tests driving the poller by hand. */
  async runOnce(): Promise<number> {
    let n = 0;
    for (const q of this.o.queues) {
      const client = await this.o.clientFor(q.region);
      const out = await client.send(this.receive(q, 0));
      this.noteReceive(q);
      const msgs = out.Messages ?? [];
      n += msgs.length;
      if (msgs.length > 0) await this.handle(q, client, msgs);
    }
    return n;
  }

  private receive(q: SqsQueue, waitSeconds: number) {
    return new ReceiveMessageCommand({
      QueueUrl: q.url,
      MaxNumberOfMessages: SQS_BATCH,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
  }

  private noteReceive(q: SqsQueue): void {
    const now = this.ctx.clock.now();
    this.lastOk.set(q.url, now);
    this.ctx.metrics.sqsLastReceive.set({ queue: q.name }, Math.floor(now / 1000));
  }

  private readinessOf(q: SqsQueue): ReadinessCheck {
    const staleMs = this.o.staleMs ?? 120_000;
    return () => {
      if (this.stopped) return { ready: true };
      const since = this.lastOk.get(q.url) ?? this.startedAt;
      const ms = this.ctx.clock.now() - since;
      if (ms <= staleMs) return { ready: true };
      return {
        ready: false,
        reason: `SQS queue ${q.name}: ${this.lastOk.has(q.url) ? 'no successful receive' : 'not received from yet'} for ${Math.round(ms / 1000)}s`,
      };
    };
  }

  /**
   * `p`, or undefined as soon as the poller stops. The stop callback is removed once `p` settles, so a
   * long run does not pile reactions onto one never-settling promise.
   */
  private orStop<T>(p: Promise<T>): Promise<T | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const onStop = () => resolve(undefined);
      this.stopWaiters.add(onStop);
      p.then(
        (v) => {
          this.stopWaiters.delete(onStop);
          resolve(v);
        },
        (e: unknown) => {
          this.stopWaiters.delete(onStop);
          reject(e as Error);
        },
      );
    });
  }

  /** Waits `ms`, or less if the poller stops meanwhile. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await this.orStop(new Promise<void>((r) => (timer = setTimeout(r, ms))));
    clearTimeout(timer);
  }

  private nextBackoff(prev: number): number {
    const first = this.o.backoffMs ?? 1000;
    const max = this.o.maxBackoffMs ?? 60_000;
    const base = prev === 0 ? first : Math.min(max, prev * 2);
    return base;
  }

  /** Jitter so the pollers of several replicas do not retry in step. */
  private jittered(ms: number): number {
    return Math.round(ms * (0.5 + Math.random() / 2));
  }

  private async loop(q: SqsQueue, poller: number): Promise<void> {
    let backoff = 0;
    // Set by a batch that left messages (store down, certificate unreachable): receiving more at once
    // would only burn their receive counts towards the dead-letter queue.
    let troubled = false;
    const wait = this.o.waitSeconds ?? SQS_WAIT_SECONDS;
    const mine = new Set<Promise<unknown>>();
    const cap = this.o.batchesInFlight ?? BATCHES_IN_FLIGHT;
    while (!this.stopped) {
      if (troubled) {
        troubled = false;
        backoff = this.nextBackoff(backoff);
        await this.pause(this.jittered(backoff));
        continue;
      }
      if (mine.size >= cap) {
        await this.orStop(Promise.race(mine));
        continue;
      }
      let msgs: Message[];
      let client: SQSClient;
      try {
        client = await this.o.clientFor(q.region);
        const out = await this.orStop(client.send(this.receive(q, wait), { abortSignal: this.abort.signal }));
        if (out === undefined) return;
        this.noteReceive(q);
        msgs = out.Messages ?? [];
      } catch (err) {
        if (this.stopped) return;
        backoff = this.nextBackoff(backoff);
        const error = awsOutcomeOf(err);
        this.ctx.metrics.sqsReceiveErrors.inc({ queue: q.name, error });
        this.log.warn(
          { queue: q.name, poller, error, detail: (err as Error).message?.slice(0, 300), retryInMs: backoff },
          'could not receive from the SQS queue (does the bot role allow sqs:ReceiveMessage on it?); trying again',
        );
        await this.pause(this.jittered(backoff));
        continue;
      }
      if (msgs.length === 0) {
        if (mine.size === 0) backoff = 0;
        continue;
      }
      // The next receive goes out while this batch is stored: the store's round trip (the ingest
      // thread's group commit) would otherwise idle the poller. Once received, a batch is finished even
      // if the poller is asked to stop meanwhile.
      const p = this.handle(q, client, msgs).then(
        (left) => {
          if (left > 0) troubled = true;
          else if (!troubled) backoff = 0;
        },
        () => {
          troubled = true;
        },
      );
      mine.add(p);
      this.inBatch.add(p);
      void p.finally(() => {
        mine.delete(p);
        this.inBatch.delete(p);
      });
    }
  }

  /** Takes one batch through the intake and deletes what is final; returns how many stay for SQS. */
  private async handle(q: SqsQueue, client: SQSClient, msgs: Message[]): Promise<number> {
    const count = (outcome: string) => this.ctx.metrics.sqsMessages.inc({ queue: q.name, outcome });
    const answers = await Promise.all(msgs.map((m) => this.o.intake.handle(m.Body ?? '')));
    const done: string[] = [];
    let left = 0;
    answers.forEach((a, i) => {
      const m = msgs[i];
      const fields = {
        queue: q.name,
        sqsMessageId: m.MessageId,
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0) || undefined,
      };
      if (a.status < 300) {
        count(a.body.status === 'duplicate' ? 'duplicate' : 'stored');
        if (m.ReceiptHandle) done.push(m.ReceiptHandle);
        return;
      }
      const reason = a.body.error ?? 'unknown';
      if (a.status >= 500 || LEAVE_REJECTED.has(reason)) {
        left++;
        count(`left:${reason}`);
        this.log.warn(
          { ...fields, reason },
          a.status >= 500
            ? 'SQS message not taken now; SQS delivers it again after its visibility timeout'
            : 'SQS message too old to accept; left for the queue’s dead-letter queue',
        );
        return;
      }
      count(`rejected:${reason}`);
      this.log.warn(
        {
          ...fields,
          reason,
          hint:
            reason === 'malformed'
              ? 'is raw message delivery off on the subscription? the body must be the SNS envelope'
              : undefined,
        },
        'SQS message refused and deleted (it would never be accepted)',
      );
      if (m.ReceiptHandle) done.push(m.ReceiptHandle);
    });
    try {
      const failed = await deleteReceived(client, q.url, done);
      for (const f of failed) {
        count('delete_failed');
        this.log.warn(
          { queue: q.name, code: f.code },
          'SQS did not delete a handled message; it comes back after its visibility timeout and is ignored as a duplicate',
        );
      }
    } catch (err) {
      for (let i = 0; i < done.length; i++) count('delete_failed');
      this.log.warn(
        { queue: q.name, error: awsOutcomeOf(err), detail: (err as Error).message?.slice(0, 300) },
        'could not delete handled SQS messages (does the bot role allow sqs:DeleteMessage?); they come back and are ignored as duplicates',
      );
    }
    return left;
  }
}
