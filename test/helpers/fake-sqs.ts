import { createHash, randomUUID } from 'node:crypto';
import { WorldError } from './aws-world';

/** One message in a fake queue. */
export interface FMessage {
  id: string;
  body: string;
  /** How many times it was received (SQS's ApproximateReceiveCount). */
  receiveCount: number;
  /** Invisible until then (ms on the fake's clock); 0 once sent. */
  visibleAt: number;
  /** The receipt handle of its latest receive; only this one deletes it. */
  handle?: string;
  sentAt: number;
}

export interface FQueue {
  name: string;
  url: string;
  arn: string;
  /** Seconds a received message stays invisible. */
  visibilityTimeout: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
  /** The queue policy (JSON text), as SetQueueAttributes would store it. */
  policy?: string;
  messages: FMessage[];
  /** Messages deleted so far, by id (tests check nothing is deleted twice or too early). */
  deleted: string[];
  /** Messages this queue gave to its dead-letter queue. */
  movedToDlq: number;
}

type Waiter = () => void;

/**
 * A stateful SQS: queues with visibility timeouts, receipt handles (only the latest one deletes, an
 * outdated one "succeeds" without deleting, as SQS documents), receive counts, redrive to a dead-letter
 * queue once a message was received maxReceiveCount times, long polls woken by new or re-visible
 * messages, DeleteMessageBatch with per-entry failures. Its clock is real time plus `advance()`d
 * offsets, so a test can expire a visibility timeout without waiting.
 */
export class FakeSqs {
  readonly queues = new Map<string, FQueue>();
  private offsetMs = 0;
  private waiters = new Set<Waiter>();
  private closed = false;
  /** Receipt handles DeleteMessageBatch refuses once each (a partial failure). */
  readonly refuseDelete = new Set<string>();

  constructor(
    readonly account: string,
    readonly region: string,
  ) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the fake's clock (visibility timeouts expire) and wakes long polls. */
  advance(ms: number): void {
    this.offsetMs += ms;
    this.wakeAll();
  }

  /** Ends every waiting long poll (empty answers): call when a test is done. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  createQueue(
    name: string,
    o: { visibilityTimeout?: number; deadLetter?: FQueue; maxReceiveCount?: number; policy?: string } = {},
  ): FQueue {
    const q: FQueue = {
      name,
      url: `https://sqs.${this.region}.amazonaws.com/${this.account}/${name}`,
      arn: `arn:aws:sqs:${this.region}:${this.account}:${name}`,
      visibilityTimeout: o.visibilityTimeout ?? 30,
      redrive: o.deadLetter
        ? { deadLetterTargetArn: o.deadLetter.arn, maxReceiveCount: o.maxReceiveCount ?? 5 }
        : undefined,
      policy: o.policy,
      messages: [],
      deleted: [],
      movedToDlq: 0,
    };
    this.queues.set(q.url, q);
    return q;
  }

  /** The queue policy that lets an SNS topic send to `q` (what deploy/ writes). */
  static topicPolicy(q: FQueue, topicArn: string): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: q.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
        },
      ],
    });
  }

  /** Whether the queue policy lets `topicArn` send (SNS's delivery is refused otherwise, silently). */
  allowsTopic(q: FQueue, topicArn: string): boolean {
    if (!q.policy) return false;
    const doc = JSON.parse(q.policy) as { Statement: any[] };
    const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
    return doc.Statement.some(
      (s) =>
        s.Effect === 'Allow' &&
        list<string>(s.Principal?.Service).includes('sns.amazonaws.com') &&
        list<string>(s.Action).some((a) => a === 'sqs:SendMessage' || a === 'sqs:*') &&
        list<string>(s.Condition?.ArnEquals?.['aws:SourceArn'] ?? s.Condition?.ArnLike?.['aws:SourceArn']).includes(
          topicArn,
        ),
    );
  }

  queue(url?: string): FQueue {
    const q = this.queues.get(url ?? '');
    if (!q) throw new WorldError('QueueDoesNotExist', 'The specified queue does not exist.');
    return q;
  }

  private byArn(arn: string): FQueue | undefined {
    return [...this.queues.values()].find((q) => q.arn === arn);
  }

  send(url: string, body: string): FMessage {
    const q = this.queue(url);
    const m: FMessage = { id: randomUUID(), body, receiveCount: 0, visibleAt: 0, sentAt: this.now() };
    q.messages.push(m);
    this.wakeAll();
    return m;
  }

  /** Messages a receive could return now. */
  visible(url: string): FMessage[] {
    const now = this.now();
    return this.queue(url).messages.filter((m) => m.visibleAt <= now);
  }

  /** Received and neither deleted nor visible again. */
  inFlight(url: string): FMessage[] {
    const now = this.now();
    return this.queue(url).messages.filter((m) => m.visibleAt > now);
  }

  private take(q: FQueue, max: number): FMessage[] {
    const now = this.now();
    const out: FMessage[] = [];
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
        const dlq = this.byArn(q.redrive.deadLetterTargetArn);
        q.messages.splice(q.messages.indexOf(m), 1);
        q.movedToDlq++;
        // Moved as is: its receive count goes with it, as SQS keeps it.
        dlq?.messages.push({ ...m, visibleAt: 0, handle: undefined });
        continue;
      }
      m.receiveCount++;
      m.visibleAt = now + q.visibilityTimeout * 1000;
      m.handle = `${m.id}#${m.receiveCount}#${randomUUID().slice(0, 8)}`;
      out.push(m);
    }
    return out;
  }

  async receive(input: {
    QueueUrl?: string;
    MaxNumberOfMessages?: number;
    WaitTimeSeconds?: number;
    AttributeNames?: string[];
    MessageSystemAttributeNames?: string[];
  }): Promise<{ Messages?: any[] }> {
    const q = this.queue(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (max < 1 || max > 10)
      throw new WorldError('InvalidParameterValue', 'MaxNumberOfMessages must be between 1 and 10');
    const wait = input.WaitTimeSeconds ?? 0;
    if (wait < 0 || wait > 20) throw new WorldError('InvalidParameterValue', 'WaitTimeSeconds must be 0 to 20');
    const deadline = Date.now() + wait * 1000;
    let got = this.take(q, max);
    while (got.length === 0 && !this.closed && Date.now() < deadline) {
      const nextVisible = Math.min(
        ...q.messages.map((m) => m.visibleAt - this.now()).filter((ms) => ms > 0),
        deadline - Date.now(),
      );
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, nextVisible));
        timer.unref();
        this.waiters.add(done);
      });
      got = this.take(q, max);
    }
    if (got.length === 0) return {};
    const names = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
    const withCount = names.includes('All') || names.includes('ApproximateReceiveCount');
    return {
      Messages: got.map((m) => ({
        MessageId: m.id,
        ReceiptHandle: m.handle,
        Body: m.body,
        // The SDK checks it and refuses a batch whose body does not match.
        MD5OfBody: createHash('md5').update(m.body, 'utf8').digest('hex'),
        ...(withCount ? { Attributes: { ApproximateReceiveCount: String(m.receiveCount) } } : {}),
      })),
    };
  }

  /** Deletes by receipt handle: true when deleted; an outdated handle "succeeds" and deletes nothing. */
  private deleteOne(q: FQueue, handle: string): 'deleted' | 'outdated' | 'invalid' {
    const id = handle.split('#')[0];
    const m = q.messages.find((x) => x.id === id);
    if (!m) return q.deleted.includes(id) ? 'outdated' : 'invalid';
    if (m.handle !== handle) return 'outdated';
    q.messages.splice(q.messages.indexOf(m), 1);
    q.deleted.push(id);
    return 'deleted';
  }

  deleteBatch(input: { QueueUrl?: string; Entries?: { Id?: string; ReceiptHandle?: string }[] }) {
    const q = this.queue(input.QueueUrl);
    const entries = input.Entries ?? [];
    if (entries.length === 0) throw new WorldError('EmptyBatchRequest', 'There should be at least one entry');
    if (entries.length > 10) throw new WorldError('TooManyEntriesInBatchRequest', 'Maximum number of entries is 10');
    if (new Set(entries.map((e) => e.Id)).size !== entries.length)
      throw new WorldError('BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id');
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
    for (const e of entries) {
      const h = e.ReceiptHandle ?? '';
      if (this.refuseDelete.delete(h)) {
        Failed.push({ Id: e.Id!, Code: 'InternalError', SenderFault: false, Message: 'try again' });
        continue;
      }
      const r = this.deleteOne(q, h);
      if (r === 'invalid')
        Failed.push({
          Id: e.Id!,
          Code: 'ReceiptHandleIsInvalid',
          SenderFault: true,
          Message: 'The receipt handle is not valid',
        });
      else Successful.push({ Id: e.Id! });
    }
    return { Successful, Failed };
  }

  deleteMessage(input: { QueueUrl?: string; ReceiptHandle?: string }) {
    const r = this.deleteOne(this.queue(input.QueueUrl), input.ReceiptHandle ?? '');
    if (r === 'invalid') throw new WorldError('ReceiptHandleIsInvalid', 'The receipt handle is not valid');
    return {};
  }

  attributes(input: { QueueUrl?: string; AttributeNames?: string[] }) {
    const q = this.queue(input.QueueUrl);
    const now = this.now();
    const all: Record<string, string> = {
      QueueArn: q.arn,
      VisibilityTimeout: String(q.visibilityTimeout),
      ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(q.messages.filter((m) => m.visibleAt > now).length),
      ReceiveMessageWaitTimeSeconds: '0',
    };
    if (q.redrive) all.RedrivePolicy = JSON.stringify(q.redrive);
    if (q.policy) all.Policy = q.policy;
    const names = input.AttributeNames ?? [];
    if (names.includes('All')) return { Attributes: all };
    return { Attributes: Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k))) };
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }
}
