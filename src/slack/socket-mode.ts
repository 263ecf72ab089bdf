import { SocketModeReceiver } from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { boltLogger } from './bolt-logger';

/** Why the bot opened a new Socket Mode connection (a metric label: a closed set). */
export type ReconnectReason = 'server_disconnect' | 'connection_lost' | 'connect_failed';

export interface SlackSocketOptions {
  appToken: string;
  /** Slack Web API base URL: `apps.connections.open` goes there too, so a local fake serves both. */
  apiUrl?: string;
  fetch?: FetchFunction;
  logger: Logger;
  metrics: Pick<Metrics, 'slackSocketReconnects' | 'slackSocketConnected'>;
  clock: Clock;
  /** How long the socket may be down before /readyz says so (default 30 s). */
  readyGraceMs?: number;
  /** First back-off after a failed attempt (default 1 s); it doubles up to `maxBackoffMs` (default 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** What the Socket Mode client emits for every envelope (`slack_event`). */
interface SocketEnvelope {
  envelope_id?: unknown;
  type?: string;
  ack: (response?: Record<string, unknown>) => Promise<void>;
}

const ENVELOPE_MEMORY_MS = 10 * 60_000;
const ENVELOPE_MEMORY_MAX = 10_000;

/** The WebSocket messages the supervisor peeks at (Bolt's client handles everything else). */
interface ServerMessage {
  type?: string;
  reason?: string;
}

/**
 * Slack over Socket Mode: Bolt's own SocketModeReceiver, with reconnection owned here. The Socket
 * Mode client's built-in reconnect waits a fixed 5 s per attempt, and when `apps.connections.open`
 * fails with an HTTP or network error while it reconnects, it drops the error in a promise nobody
 * awaits and never tries again — a Slack outage of a few seconds left the bot deaf until restarted.
 * So the client runs with auto-reconnect off and this supervisor opens every connection: at once
 * after Slack asks for a refresh (`disconnect` message: it does so every few hours), otherwise after
 * a doubling, jittered back-off. Every new connection after the first is counted by reason, and
 * readiness fails once the socket has been down for longer than a short grace.
 */
export class SlackSocket {
  readonly receiver: SocketModeReceiver;
  private readonly log: Logger;
  private readonly graceMs: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private connected = false;
  private everConnected = false;
  /** Set while disconnected: since when (the bot's clock). */
  private downSince: number;
  private connecting = false;
  private stopped = false;
  private started = false;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  /** The reason of the last `disconnect` message from Slack, until the connection it closed is replaced. */
  private serverReason?: string;
  /** Envelope ids taken by this process, oldest first, with when. */
  private readonly envelopes = new Map<string, number>();

  constructor(private readonly o: SlackSocketOptions) {
    this.log = o.logger.child({ component: 'slack-socket' });
    this.graceMs = o.readyGraceMs ?? 30_000;
    this.baseMs = o.backoffMs ?? 1000;
    this.maxMs = o.maxBackoffMs ?? 60_000;
    this.downSince = o.clock.now();
    this.receiver = new SocketModeReceiver({
      appToken: o.appToken,
      logger: boltLogger(o.logger),
      autoReconnectEnabled: false,
      // No customRoutes: the receiver would then listen on a port of its own choosing; the bot's
      // health and metrics routes are served by app.ts on PORT.
      installerOptions: {
        clientOptions: {
          slackApiUrl: o.apiUrl,
          fetch: o.fetch,
          // Retries of apps.connections.open are this supervisor's (the client's default is 100 of them).
          retryConfig: { retries: 0 },
        },
      },
    });
    const client = this.receiver.client;
    this.dropRepeatedEnvelopes(client);
    client.on('connected', () => this.onConnected());
    client.on('disconnected', () => this.onDisconnected());
    client.on('ws_message', (data: unknown) => this.peek(data));
  }

  /**
   * Puts a filter in front of Bolt's envelope listener: a slash command or interaction envelope whose
   * envelope_id this process has already taken is acknowledged again and not processed. Slack sends an
   * unacknowledged envelope again with the same envelope_id, also when it was processed and only the
   * acknowledgement was lost with the connection. The ids are kept in memory for ten minutes (at most
   * 10,000): a process that died never acknowledged what it was doing, and another replica should then
   * do it. Events API envelopes pass: they carry an event_id, which the store deduplicates across
   * replicas and across new envelope ids (event-dedup.ts), as for events over HTTP.
   */
  private dropRepeatedEnvelopes(client: SocketModeReceiver['client']): void {
    const bolt = client.listeners('slack_event') as ((args: SocketEnvelope) => unknown)[];
    client.removeAllListeners('slack_event');
    client.on('slack_event', (args: SocketEnvelope) => {
      if (args.type !== 'events_api' && this.repeated(args.envelope_id)) {
        this.log.info(
          { envelopeId: args.envelope_id, type: args.type },
          'Slack sent an envelope again; not processed twice',
        );
        args.ack().catch((err: unknown) => this.log.warn({ err }, 'could not acknowledge a repeated envelope'));
        return;
      }
      for (const l of bolt) void l.call(client, args);
    });
  }

  private repeated(envelopeId: unknown): boolean {
    if (typeof envelopeId !== 'string' || envelopeId === '') return false;
    const now = this.o.clock.now();
    for (const [id, at] of this.envelopes) {
      if (now - at <= ENVELOPE_MEMORY_MS && this.envelopes.size <= ENVELOPE_MEMORY_MAX) break;
      this.envelopes.delete(id);
    }
    if (this.envelopes.has(envelopeId)) return true;
    this.envelopes.set(envelopeId, now);
    return false;
  }

  /** Opens the first connection; resolves once it is open or the first attempt failed (then it keeps trying). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.downSince = this.o.clock.now();
    await this.connect();
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.started) return;
    await this.receiver.client.disconnect().catch(() => undefined);
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Ready unless the socket has been down for longer than the grace. */
  readiness(): { ready: true } | { ready: false; reason: string } {
    if (this.connected) return { ready: true };
    const downMs = this.o.clock.now() - this.downSince;
    if (downMs <= this.graceMs) return { ready: true };
    return {
      ready: false,
      reason: `Slack socket ${this.everConnected ? 'disconnected' : 'not connected'} for ${Math.round(downMs / 1000)}s`,
    };
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting || this.connected) return;
    this.connecting = true;
    try {
      await this.receiver.client.start();
      this.connecting = false;
    } catch (err) {
      this.connecting = false;
      if (this.stopped) return;
      this.failures += 1;
      const e = err as { name?: string; message?: string; code?: string; data?: { error?: string } };
      this.log.error(
        {
          err,
          failures: this.failures,
        },
        e?.data?.error
          ? `Slack refused the Socket Mode connection (${e.data.error}); check SLACK_APP_TOKEN and that Socket Mode is on`
          : 'could not open the Slack socket; retrying with back-off',
      );
      this.schedule('connect_failed');
    }
  }

  private onConnected(): void {
    if (this.stopped) {
      // An attempt that was opening when stop() came finished anyway.
      void this.receiver.client.disconnect().catch(() => undefined);
      return;
    }
    const again = this.everConnected;
    this.connected = true;
    this.everConnected = true;
    this.failures = 0;
    this.serverReason = undefined;
    this.o.metrics.slackSocketConnected.set(1);
    this.log.info(again ? 'Slack socket reconnected' : 'Slack socket connected (Socket Mode)');
  }

  private onDisconnected(): void {
    const was = this.connected;
    this.connected = false;
    this.o.metrics.slackSocketConnected.set(0);
    if (was) this.downSince = this.o.clock.now();
    if (this.stopped || !was) return;
    const reason = this.serverReason;
    if (reason === 'link_disabled')
      this.log.error('Slack turned Socket Mode off for this app (link_disabled); retrying with back-off');
    else if (reason) this.log.info({ reason }, 'Slack asked for a new socket connection');
    else this.log.warn('Slack socket connection lost; reconnecting');
    this.schedule(reason ? 'server_disconnect' : 'connection_lost');
  }

  /** One reconnect attempt after the back-off due now: none after a refresh Slack asked for, doubling after failures. */
  private schedule(why: ReconnectReason): void {
    if (this.stopped || this.timer) return;
    const routine = why === 'server_disconnect' && this.serverReason !== 'link_disabled';
    const delay = routine && this.failures === 0 ? 0 : this.backoff();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.o.metrics.slackSocketReconnects.inc({ reason: why });
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  /** Full jitter over a doubling ceiling: replicas that lost Slack together do not come back in step. */
  private backoff(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(Math.max(this.failures - 1, 0), 16));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private peek(data: unknown): void {
    const text = typeof data === 'string' ? data : data instanceof ArrayBuffer ? '' : String(data ?? '');
    // Only a disconnect notice matters here; most messages are envelopes and are not parsed twice.
    if (!text.includes('"disconnect"')) return;
    try {
      const m = JSON.parse(text) as ServerMessage;
      if (m.type === 'disconnect') this.serverReason = typeof m.reason === 'string' ? m.reason : 'unknown';
    } catch {
      /* Bolt's client logs unparsable messages */
    }
  }
}
