import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSocketMode } from './fake-slack-socket';

/** One Web API call as the fake received it. */
export interface SlackCall {
  method: string;
  token?: string;
  args: Record<string, any>;
  at: number;
  /** HTTP status the fake answered with. */
  status: number;
  /** False when the fake answered `{ ok: false }`. */
  ok?: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: any[];
  attachments?: any[];
  thread_ts?: string;
  metadata?: any;
  updates: number;
  /** When the fake stored it (epoch ms): `conversations.history` filters `oldest`/`latest` on this. */
  postedAt?: number;
  /** Files shared with the message (files.completeUploadExternal with a channel). */
  files?: string[];
}

/** A file uploaded through files.getUploadURLExternal, the upload URL and files.completeUploadExternal. */
export interface FakeFile {
  id: string;
  filename?: string;
  title?: string;
  /** files.completeUploadExternal was called for it. */
  completed: boolean;
  /** Shared to this channel (and thread) when completed with one; private to the bot otherwise. */
  channel?: string;
  threadTs?: string;
}

/** Slack's answer for an image whose slack_file it will not take (yet). */
function invalidSlackFile(pointer: string): Record<string, any> {
  const msg = `invalid slack file [json-pointer:${pointer}]`;
  return { ok: false, error: 'invalid_blocks', errors: [msg], response_metadata: { messages: [`[ERROR] ${msg}`] } };
}

export interface ResponseUrlCall {
  id: string;
  body: any;
  at: number;
}

type Fault = { status: 429; retryAfter: number } | { status: 500 } | { error: string };
type Handler = (args: Record<string, any>, call: SlackCall) => Record<string, any> | Promise<Record<string, any>>;

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}

/**
 * A local stand-in for the Slack Web API, reached over HTTP. It records every call, keeps the
 * messages it was asked to post and update (so tests can read a card's final state), serves
 * response_url posts and file uploads, and can be told to answer 429 or 500 for the next N calls.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: ResponseUrlCall[] = [];
  /** response_url posts refused for their image blocks. */
  readonly refusedResponses: ResponseUrlCall[] = [];
  readonly messages = new Map<string, StoredMessage>();
  readonly ephemerals: SlackCall[] = [];
  readonly uploads = new Map<string, Buffer>();
  /** Files by ID, as files.getUploadURLExternal handed them out. */
  readonly files = new Map<string, FakeFile>();
  /** Each new file is refused this many times in an image block before Slack "has processed" it. */
  freshFileRefusals = 0;
  private readonly refusalsLeft = new Map<string, number>();
  readonly views: { user_id: string; view: any }[] = [];
  /** Group ID → member user IDs, for usergroups.users.list. */
  usergroups: Record<string, string[]> = {};
  /** Channels the bot is a member of (conversations.info is_member). */
  memberOf = new Set<string>();
  /** When set, chat.postMessage to one channel is limited to this many per second (429 beyond). */
  postRatePerChannel?: number;
  botUserId = 'UBOT';
  url = '';
  /** Socket Mode: apps.connections.open hands out URLs of a WebSocket server on this fake's port. */
  readonly socket = new FakeSocketMode(() => this.url);
  private server?: http.Server;
  private faults: { fault: Fault; method?: string }[] = [];
  private handlers = new Map<string, Handler>();
  private tsCounter = 0;
  private lastPost = new Map<string, number[]>();
  private waiters = new Set<() => void>();
  private refusals: ((method: string, args: Record<string, any>) => string | undefined)[] = [];
  private lostAnswers: { method: string; how: 'hold' | 'http500'; done: (call: SlackCall) => void }[] = [];

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.writeHead(500).end(String(err));
      });
    });
    this.server.on('upgrade', (req, sock, head) => {
      if ((req.url ?? '').startsWith('/link/')) this.socket.upgrade(req, sock, head);
      else sock.destroy();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.socket.close();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** A response_url that records what the app sends to it. */
  responseUrl(id = `r${Math.random().toString(36).slice(2)}`): string {
    return `${this.url}/respond/${id}`;
  }

  /** Answer the next `n` calls (of `method`, or any) with a fault. */
  failNext(n: number, fault: Fault, method?: string): void {
    for (let i = 0; i < n; i++) this.faults.push({ fault, method });
  }

  clearFaults(): void {
    this.faults = [];
    this.refusals = [];
  }

  /**
   * Refuses calls for which `pred` names a Slack error (`{ ok: false, error }`), e.g. a message whose
   * blocks Slack would not take; other calls are answered as usual. Cleared by clearFaults().
   */
  refuse(pred: (method: string, args: Record<string, any>) => string | undefined): void {
    this.refusals.push(pred);
  }

  /**
   * The next call of `method` is carried out (a message is stored) but its answer is lost: held until
   * the fake stops (`hold`: Slack accepted it and the caller never heard) or replaced by an HTTP 500.
   * Resolves with the call once it was carried out.
   */
  loseNextAnswer(method: string, how: 'hold' | 'http500' = 'hold'): Promise<SlackCall> {
    return new Promise((resolve) => this.lostAnswers.push({ method, how, done: resolve }));
  }

  /** Overrides the answer for a method. */
  on(method: string, handler: Handler): void {
    this.handlers.set(method, handler);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method && c.status === 200);
  }

  /** Messages posted to a channel (top level and replies), oldest first. */
  /** The conversation ID of the bot's direct messages with `userId` (U…/W…), as the fake hands it out; else undefined. */
  static directMessagesWith(userId: string): string | undefined {
    return /^[UW][A-Z0-9]+$/.test(userId) ? `D${userId.slice(1)}` : undefined;
  }

  messagesIn(channel: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel).sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  repliesTo(channel: string, threadTs: string): StoredMessage[] {
    return this.messagesIn(channel).filter((m) => m.thread_ts === threadTs);
  }

  responsesTo(id: string): ResponseUrlCall[] {
    return this.responses.filter((r) => r.id === id);
  }

  /** Resolves once `pred` holds, re-checking after every call the fake receives (or times out). */
  async waitFor<T>(pred: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `FakeSlack.waitFor timed out waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          this.waiters.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, Math.min(left, 50));
        this.waiters.add(wake);
      });
    }
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0];

    if (path.startsWith('/respond/')) {
      const id = path.slice('/respond/'.length);
      const body = JSON.parse(raw.toString('utf8') || '{}');
      const bad = this.imageProblem(body.blocks);
      if (bad) {
        // Slack answers a response_url post it will not take with an HTTP error and the reason.
        this.refusedResponses.push({ id, body, at: Date.now() });
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(bad.error));
        this.notify();
        return;
      }
      this.responses.push({ id, body, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      this.notify();
      return;
    }
    if (path.startsWith('/upload/')) {
      this.uploads.set(path.slice('/upload/'.length), raw);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK - ' + raw.length);
      this.notify();
      return;
    }
    if (!path.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const method = path.slice('/api/'.length);
    const ctype = String(req.headers['content-type'] ?? '');
    let args: Record<string, any> = {};
    const text = raw.toString('utf8');
    if (ctype.includes('application/json')) {
      args = text ? JSON.parse(text) : {};
    } else if (ctype.includes('multipart/form-data')) {
      args = { _multipart: true };
    } else {
      for (const [k, v] of new URLSearchParams(text)) args[k] = parseMaybeJson(v);
    }
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : (args.token as string | undefined);
    const call: SlackCall = { method, token, args, at: Date.now(), status: 200 };
    this.calls.push(call);

    const idx = this.faults.findIndex((f) => !f.method || f.method === method);
    if (idx >= 0) {
      const { fault } = this.faults.splice(idx, 1)[0];
      if ('status' in fault && fault.status === 429) {
        call.status = 429;
        res.writeHead(429, { 'retry-after': String(fault.retryAfter), 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else if ('status' in fault) {
        call.status = 500;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      } else {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error: fault.error }));
      }
      this.notify();
      return;
    }
    if (method === 'chat.postMessage' && this.postRatePerChannel) {
      const now = Date.now();
      const recent = (this.lastPost.get(String(args.channel)) ?? []).filter((t) => now - t < 1000);
      if (recent.length >= this.postRatePerChannel) {
        call.status = 429;
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        this.notify();
        return;
      }
      recent.push(now);
      this.lastPost.set(String(args.channel), recent);
    }
    const refused = this.refusals.map((p) => p(method, args)).find((e) => e);
    if (refused) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: refused }));
      this.notify();
      return;
    }
    const custom = this.handlers.get(method);
    const body = custom ? await custom(args, call) : this.answer(method, args, call);
    const lost = this.lostAnswers.findIndex((l) => l.method === method);
    if (lost >= 0) {
      const l = this.lostAnswers.splice(lost, 1)[0];
      if (l.how === 'http500') {
        call.status = 500;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      }
      // 'hold': no answer; the connection stays open until the fake stops (or the caller dies).
      l.done(call);
      this.notify();
      return;
    }
    if (body && body.ok === false) call.ok = false;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    this.notify();
  }

  /**
   * The image blocks of a message, checked as Slack does: alt text (1–2,000 characters), exactly one of
   * image_url and slack_file, a slack_file naming a completed upload, a fresh file refused while
   * `freshFileRefusals` says so. Undefined when the message is acceptable.
   */
  imageProblem(blocks: unknown): Record<string, any> | undefined {
    if (!Array.isArray(blocks)) return undefined;
    for (const [i, b] of blocks.entries()) {
      if (!b || b.type !== 'image') continue;
      const bad = (what: string) => ({
        ok: false,
        error: 'invalid_blocks',
        errors: [`${what} [json-pointer:/blocks/${i}]`],
        response_metadata: { messages: [`[ERROR] ${what} [json-pointer:/blocks/${i}]`] },
      });
      if (typeof b.alt_text !== 'string' || b.alt_text.length < 1 || b.alt_text.length > 2000)
        return bad('alt_text must be 1-2000 characters');
      if (!!b.image_url === !!b.slack_file) return bad('exactly one of image_url and slack_file is required');
      if (b.title && (b.title.type !== 'plain_text' || String(b.title.text).length > 2000)) return bad('invalid title');
      if (b.slack_file) {
        const f = b.slack_file;
        if (!!f.id === !!f.url) return invalidSlackFile(`/blocks/${i}/slack_file`);
        if (f.id) {
          const file = this.files.get(f.id);
          if (!file?.completed) return invalidSlackFile(`/blocks/${i}/slack_file`);
          const left = this.refusalsLeft.get(f.id) ?? 0;
          if (left > 0) {
            this.refusalsLeft.set(f.id, left - 1);
            return invalidSlackFile(`/blocks/${i}/slack_file`);
          }
        }
      }
    }
    return undefined;
  }

  /** Calls whose message showed an image naming `fileId` and that Slack accepted. */
  imageCalls(fileId?: string): SlackCall[] {
    return this.calls.filter(
      (c) =>
        c.status === 200 &&
        c.ok !== false &&
        Array.isArray(c.args.blocks) &&
        c.args.blocks.some((b: any) => b?.type === 'image' && (!fileId || b.slack_file?.id === fileId)),
    );
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${1700000000 + this.tsCounter}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  /**
   * conversations.history: top-level messages of a channel, newest first, `limit` per page with a
   * cursor. `oldest`/`latest` are compared with when the fake stored each message (its ts is a counter,
   * not a time). Metadata is returned only with `include_all_metadata`, as Slack does.
   */
  private history(a: Record<string, any>): Record<string, any> {
    if (!a.channel) return { ok: false, error: 'channel_not_found' };
    const oldest = a.oldest !== undefined ? Number(a.oldest) * 1000 : Number.NEGATIVE_INFINITY;
    const latest = a.latest !== undefined ? Number(a.latest) * 1000 : Number.POSITIVE_INFINITY;
    const all = this.messagesIn(String(a.channel))
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
      .filter((m) => (m.postedAt ?? 0) >= oldest && (m.postedAt ?? 0) <= latest)
      .reverse();
    const limit = Math.max(1, Math.min(Number(a.limit ?? 100), 999));
    const start = a.cursor ? Number(String(a.cursor).replace(/^c/, '')) : 0;
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    const withMeta = a.include_all_metadata === true || a.include_all_metadata === 'true';
    return {
      ok: true,
      messages: page.map((m) => ({
        type: 'message',
        ts: m.ts,
        text: m.text,
        bot_id: 'BBOT',
        user: this.botUserId,
        ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: more,
      response_metadata: { next_cursor: more ? `c${start + limit}` : '' },
    };
  }

  /**
   * conversations.replies: the thread of `ts` (a parent or one of its replies), parent first, then the
   * replies oldest first, `limit` per page with a cursor; `oldest`/`latest` filter the replies as
   * history does. Metadata only with `include_all_metadata`.
   */
  private replies(a: Record<string, any>): Record<string, any> {
    if (!a.channel) return { ok: false, error: 'channel_not_found' };
    const inChannel = this.messagesIn(String(a.channel));
    const at = inChannel.find((m) => m.ts === String(a.ts));
    if (!at) return { ok: false, error: 'thread_not_found' };
    const root = at.thread_ts ?? at.ts;
    const oldest = a.oldest !== undefined ? Number(a.oldest) * 1000 : Number.NEGATIVE_INFINITY;
    const latest = a.latest !== undefined ? Number(a.latest) * 1000 : Number.POSITIVE_INFINITY;
    const parent = inChannel.filter((m) => m.ts === root);
    const replies = inChannel.filter(
      (m) => m.thread_ts === root && m.ts !== root && (m.postedAt ?? 0) >= oldest && (m.postedAt ?? 0) <= latest,
    );
    const all = [...parent, ...replies];
    const limit = Math.max(1, Math.min(Number(a.limit ?? 100), 999));
    const start = a.cursor ? Number(String(a.cursor).replace(/^c/, '')) : 0;
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    const withMeta = a.include_all_metadata === true || a.include_all_metadata === 'true';
    return {
      ok: true,
      messages: page.map((m) => ({
        type: 'message',
        ts: m.ts,
        thread_ts: root,
        text: m.text,
        bot_id: 'BBOT',
        user: this.botUserId,
        ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: more,
      response_metadata: { next_cursor: more ? `c${start + limit}` : '' },
    };
  }

  private answer(method: string, a: Record<string, any>, call: SlackCall): Record<string, any> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          user_id: this.botUserId,
          bot_id: 'BBOT',
          team_id: 'T1',
          user: 'ecs-ops',
          team: 'Test',
          url: 'https://test.slack.com/',
        };
      case 'apps.connections.open':
        return this.socket.open(call.token);
      case 'chat.postMessage': {
        if (!a.channel) return { ok: false, error: 'channel_not_found' };
        const imgBad = this.imageProblem(a.blocks);
        if (imgBad) return imgBad;
        const ts = this.nextTs();
        // A user ID posts to the bot's direct messages with that user; Slack answers with their ID.
        const channel = FakeSlack.directMessagesWith(String(a.channel)) ?? a.channel;
        const m: StoredMessage = {
          channel,
          ts,
          text: a.text,
          blocks: a.blocks,
          attachments: a.attachments,
          thread_ts: a.thread_ts,
          metadata: a.metadata,
          updates: 0,
          postedAt: Date.now(),
        };
        this.messages.set(`${channel}:${ts}`, m);
        return { ok: true, channel, ts, message: { ts, text: a.text } };
      }
      case 'chat.update': {
        const m = this.messages.get(`${a.channel}:${a.ts}`);
        if (!m) return { ok: false, error: 'message_not_found' };
        const imgBad = this.imageProblem(a.blocks);
        if (imgBad) return imgBad;
        if (a.text !== undefined) m.text = a.text;
        if (a.blocks !== undefined) m.blocks = a.blocks;
        if (a.attachments !== undefined) m.attachments = a.attachments;
        if (a.metadata !== undefined) m.metadata = a.metadata;
        m.updates += 1;
        return { ok: true, channel: a.channel, ts: a.ts };
      }
      case 'chat.postEphemeral': {
        const imgBad = this.imageProblem(a.blocks);
        if (imgBad) return imgBad;
        this.ephemerals.push(call);
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'chat.getPermalink':
        return {
          ok: true,
          permalink: `https://test.slack.com/archives/${a.channel}/p${String(a.message_ts).replace('.', '')}`,
        };
      case 'files.getUploadURLExternal': {
        if (!a.filename || !(Number(a.length) > 0)) return { ok: false, error: 'invalid_arguments' };
        const id = `F${this.tsCounter++}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
        this.files.set(id, { id, filename: String(a.filename), completed: false });
        if (this.freshFileRefusals > 0) this.refusalsLeft.set(id, this.freshFileRefusals);
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list: any[] = Array.isArray(a.files) ? a.files : [];
        if (list.length === 0 || list.some((f) => !this.files.has(f.id) || !this.uploads.has(f.id)))
          return { ok: false, error: 'file_not_found' };
        for (const f of list)
          Object.assign(this.files.get(f.id)!, {
            completed: true,
            title: f.title,
            channel: a.channel_id,
            threadTs: a.thread_ts,
          });
        if (a.channel_id) {
          const ts = this.nextTs();
          this.messages.set(`${a.channel_id}:${ts}`, {
            channel: a.channel_id,
            ts,
            text: a.initial_comment,
            thread_ts: a.thread_ts,
            files: list.map((f) => f.id),
            updates: 0,
            postedAt: Date.now(),
          });
        }
        return { ok: true, files: list.map((f: any) => ({ id: f.id, title: f.title })) };
      }
      case 'views.publish':
        this.views.push({ user_id: a.user_id, view: a.view });
        return { ok: true, view: { id: 'V1' } };
      case 'views.open':
        return { ok: true, view: { id: 'V2' } };
      case 'usergroups.users.list':
        return this.usergroups[a.usergroup]
          ? { ok: true, users: this.usergroups[a.usergroup] }
          : { ok: false, error: 'no_such_subteam' };
      case 'users.info':
        return { ok: true, user: { id: a.user, name: String(a.user).toLowerCase(), tz: 'UTC' } };
      case 'conversations.info':
        return { ok: true, channel: { id: a.channel, name: 'ops', is_member: this.memberOf.has(a.channel) } };
      case 'conversations.history':
        return this.history(a);
      case 'conversations.replies':
        return this.replies(a);
      case 'reactions.get':
        return { ok: true, message: { reactions: [] } };
      default:
        return { ok: true };
    }
  }
}

export async function startFakeSlack(): Promise<FakeSlack> {
  return new FakeSlack().start();
}
