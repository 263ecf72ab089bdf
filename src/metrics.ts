import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics, one registry per bot instance (tests run several in one process). Features
 * receive it through ctx.metrics and only increment; GET /metrics renders it.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ecs_chatops_' });
  return {
    registry,
    snsMessages: new Counter({
      name: 'ecs_chatops_sns_messages_total',
      help: 'SNS messages received, by type and outcome (accepted, duplicate, rejected:<reason>)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    sqsMessages: new Counter({
      name: 'ecs_chatops_sqs_messages_total',
      help: 'Alarm-queue messages by queue and outcome: stored, duplicate and rejected:<reason> are deleted; left:<why> stay for SQS to deliver again; delete_failed come back as duplicates',
      labelNames: ['queue', 'outcome'] as const,
      registers: [registry],
    }),
    sqsReceiveErrors: new Counter({
      name: 'ecs_chatops_sqs_receive_errors_total',
      help: 'ReceiveMessage calls that failed, by queue and error (the poller backs off and tries again)',
      labelNames: ['queue', 'error'] as const,
      registers: [registry],
    }),
    sqsLastReceive: new Gauge({
      name: 'ecs_chatops_sqs_last_receive_timestamp_seconds',
      help: 'When a ReceiveMessage on the queue last succeeded (with or without messages), Unix seconds',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: 'ecs_chatops_slack_api_calls_total',
      help: 'Slack Web API calls by method and outcome (ok, error, ratelimited)',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    awsCalls: new Counter({
      name: 'ecs_chatops_aws_calls_total',
      help: 'AWS API calls by operation and outcome (ok, error code)',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    commandLatency: new Histogram({
      name: 'ecs_chatops_command_duration_seconds',
      help: 'Time from a slash command to its final answer, by subcommand and outcome',
      labelNames: ['subcommand', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    commandsStarted: new Counter({
      name: 'ecs_chatops_commands_started_total',
      help: 'Slash commands admitted to run after the ack (help and usage errors are answered in the ack and not counted)',
      registers: [registry],
    }),
    commandsRefused: new Counter({
      name: 'ecs_chatops_commands_refused_total',
      help: 'Slash commands answered "busy" in the ack instead of being started, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    approvals: new Counter({
      name: 'ecs_chatops_change_requests_total',
      help: 'Change requests by action and outcome (requested, approved, rejected, cancelled, expired, succeeded, failed, refused)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'ecs_chatops_outbox_depth',
      help: 'Outbox items waiting to reach Slack',
      registers: [registry],
    }),
    outboxOldestAge: new Gauge({
      name: 'ecs_chatops_outbox_oldest_age_seconds',
      help: 'Age of the oldest outbox item not yet delivered',
      registers: [registry],
    }),
    outboxDeadLetters: new Counter({
      name: 'ecs_chatops_outbox_dead_letters_total',
      help: 'Outbox items set aside after failing too often, by kind (card, digest, graph, note) and reason (own, refused, operator, transient)',
      labelNames: ['kind', 'reason'] as const,
      registers: [registry],
    }),
    outboxDeadLettersHeld: new Gauge({
      name: 'ecs_chatops_outbox_dead_letters',
      help: 'Outbox items set aside and not yet forgotten (kept 7 days; listed by /ecs alarms and the doctor)',
      registers: [registry],
    }),
    reactions: new Counter({
      name: 'ecs_chatops_reactions_total',
      help: 'Reactions on messages by action (ack, resolved, silence, none) and outcome (applied, unchanged, ignored:<why>)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    slackSocketReconnects: new Counter({
      name: 'ecs_chatops_slack_socket_reconnects_total',
      help: 'New Socket Mode connections opened after the first, by reason (server_disconnect, connection_lost, connect_failed)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    slackSocketConnected: new Gauge({
      name: 'ecs_chatops_slack_socket_connected',
      help: '1 while the Socket Mode connection to Slack is open, 0 otherwise (always 0 in HTTPS mode)',
      registers: [registry],
    }),
    slackRequestsRefused: new Counter({
      name: 'ecs_chatops_slack_requests_refused_total',
      help: 'Requests to /slack/events refused before Bolt, by reason (bad_signature, stale, future, replayed, malformed, too_large, store_unavailable)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    diagnoses: new Counter({
      name: 'ecs_chatops_diagnoses_total',
      help: 'Diagnoses by trigger (command, button) and outcome (healthy, problem, refused, error)',
      labelNames: ['trigger', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
