import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** What Slack sends over a Socket Mode connection for one request (slack-platform.md §5). */
export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

/** One acknowledgement as the fake received it. */
export interface SocketAck {
  envelopeId: string;
  type: EnvelopeType;
  /** The optional response payload (what an HTTP ack body would carry); undefined when empty. */
  payload?: Record<string, any>;
  /** Which connection (1, 2 …) carried the ack. */
  connection: number;
}

interface Outstanding {
  env: Envelope;
  resolve: (ack: SocketAck) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
  /** The connection it was last sent on; undefined while it waits for one. */
  sentOn?: number;
}

interface Connection {
  id: number;
  ws: WebSocket;
  open: boolean;
  /** Told to disconnect: Slack sends nothing new on it. */
  draining: boolean;
  /** The close code the connection ended with (1000: the client closed it normally; 1006: cut). */
  closeCode?: number;
}

/**
 * The Socket Mode side of the fake Slack: `apps.connections.open` (answered by FakeSlack) hands out
 * single-use URLs of a WebSocket server on the fake's own port. Each connection gets `hello`, then
 * envelopes; the fake checks every ack (known envelope, acked once, on the connection it was sent
 * on) and records protocol problems for tests to assert empty. Envelopes sent while no connection is
 * open wait for the next one, and an events_api envelope left unacknowledged by a closed connection
 * is sent again with retry_attempt + 1, as Slack does.
 */
export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  /** Protocol violations seen (unknown envelope acked, acked twice, unparsable frame, bad ticket …). */
  readonly problems: string[] = [];
  /** Tickets handed out by apps.connections.open, in order. */
  readonly tickets: string[] = [];
  readonly connections: Connection[] = [];
  /** How long an envelope may wait for its ack before its promise fails (a generous bound, not a speed check). */
  ackTimeoutMs = 10_000;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly unused = new Set<string>();
  private readonly outstanding = new Map<string, Outstanding>();
  private seq = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly baseUrl: () => string) {}

  /** The apps.connections.open answer for `token`. */
  open(token: string | undefined): Record<string, unknown> {
    if (!token?.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
    const ticket = `t${this.tickets.length + 1}-${Math.random().toString(36).slice(2, 10)}`;
    this.tickets.push(ticket);
    this.unused.add(ticket);
    return { ok: true, url: `${this.baseUrl().replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=A1` };
  }

  /** Takes an HTTP upgrade on /link/: accepts each ticket once. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    if (!this.unused.delete(ticket)) {
      this.problems.push(`connection with an unknown or used ticket "${ticket}"`);
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Open connections now. */
  get openConnections(): Connection[] {
    return this.connections.filter((c) => c.open);
  }

  /** Sends an envelope (now, or when a connection opens); resolves with its ack. */
  send(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    o: {
      acceptsResponsePayload?: boolean;
      /** Reuse an id (Slack sending an envelope again). */ envelopeId?: string;
      /** Slack's count and reason when it sends a request again in a new envelope. */
      retryAttempt?: number;
      retryReason?: string;
    } = {},
  ): Promise<SocketAck> {
    const env: Envelope = {
      envelope_id: o.envelopeId ?? `env-${++this.seq}-${Math.random().toString(36).slice(2, 8)}`,
      type,
      payload,
      accepts_response_payload: o.acceptsResponsePayload ?? type !== 'events_api',
      retry_attempt: o.retryAttempt ?? 0,
      retry_reason: o.retryReason ?? '',
    };
    return new Promise<SocketAck>((resolve, reject) => {
      const out: Outstanding = { env, resolve, reject };
      out.timer = setTimeout(() => {
        this.outstanding.delete(env.envelope_id);
        reject(new Error(`envelope ${env.envelope_id} (${type}) was not acknowledged within ${this.ackTimeoutMs} ms`));
      }, this.ackTimeoutMs);
      this.outstanding.set(env.envelope_id, out);
      this.deliver(out);
    });
  }

  /** Sends Slack's `disconnect` notice on every open connection. */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    for (const c of this.openConnections) {
      c.draining = true;
      c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: {} }));
    }
  }

  /** Cuts every open connection without a close handshake (a network failure). */
  drop(): void {
    for (const c of this.openConnections) c.ws.terminate();
  }

  /** Resolves once `n` connections have been opened in total and one is open. */
  async waitForConnection(n: number, timeoutMs = 8000): Promise<Connection> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = this.connections.length >= n ? this.openConnections.filter((x) => !x.draining).at(-1) : undefined;
      if (c) return c;
      if (Date.now() > deadline) throw new Error(`no Socket Mode connection #${n} (saw ${this.connections.length})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          this.waiters.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, 25);
        this.waiters.add(wake);
      });
    }
  }

  /** Resolves once no connection is open. */
  async waitForNoConnection(timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.openConnections.length > 0) {
      if (Date.now() > deadline) throw new Error('a Socket Mode connection is still open');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    for (const c of this.connections) c.ws.terminate();
    for (const o of this.outstanding.values()) clearTimeout(o.timer);
    this.outstanding.clear();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const c: Connection = { id: this.connections.length + 1, ws, open: true, draining: false };
    this.connections.push(c);
    ws.on('message', (data, isBinary) => this.onMessage(c, data.toString(), isBinary));
    ws.on('close', (code) => {
      c.closeCode = code;
      this.onClose(c);
    });
    ws.on('error', () => undefined);
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openConnections.length,
        debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A1' },
      }),
    );
    // Envelopes that waited for a connection go out after hello, oldest first.
    for (const o of this.outstanding.values()) if (o.sentOn === undefined) this.deliver(o);
    this.notify();
  }

  private deliver(o: Outstanding): void {
    const c = this.openConnections.filter((x) => !x.draining).at(-1);
    if (!c) return;
    o.sentOn = c.id;
    c.ws.send(JSON.stringify(o.env));
  }

  private onMessage(c: Connection, text: string, isBinary: boolean): void {
    if (isBinary) {
      this.problems.push(`connection ${c.id} sent a binary frame`);
      return;
    }
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      this.problems.push(`connection ${c.id} sent a frame that is not JSON: ${text.slice(0, 100)}`);
      return;
    }
    const id = typeof msg.envelope_id === 'string' ? msg.envelope_id : undefined;
    const o = id ? this.outstanding.get(id) : undefined;
    if (!id || !o) {
      this.problems.push(`ack for an unknown or already acknowledged envelope: ${text.slice(0, 200)}`);
      return;
    }
    if (o.sentOn !== c.id) this.problems.push(`envelope ${id} acked on connection ${c.id}, sent on ${o.sentOn}`);
    if (msg.payload !== undefined && (typeof msg.payload !== 'object' || msg.payload === null))
      this.problems.push(`ack payload of ${id} is not an object`);
    this.outstanding.delete(id);
    clearTimeout(o.timer);
    const payload = msg.payload as Record<string, any> | undefined;
    const ack: SocketAck = {
      envelopeId: id,
      type: o.env.type,
      payload: payload && Object.keys(payload).length > 0 ? payload : undefined,
      connection: c.id,
    };
    this.acks.push(ack);
    o.resolve(ack);
    this.notify();
  }

  private onClose(c: Connection): void {
    c.open = false;
    for (const o of this.outstanding.values()) {
      if (o.sentOn !== c.id) continue;
      if (o.env.type === 'events_api') {
        // Slack retries an unacknowledged event on another connection.
        o.env = { ...o.env, retry_attempt: o.env.retry_attempt + 1, retry_reason: 'timeout' };
        o.sentOn = undefined;
        this.deliver(o);
      } else {
        this.outstanding.delete(o.env.envelope_id);
        clearTimeout(o.timer);
        o.reject(new Error(`connection ${c.id} closed before ${o.env.type} ${o.env.envelope_id} was acknowledged`));
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
