import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { AppContext } from '../../context';
import type { Logger } from '../../logger';
import type { FlagSpec, ParsedArgs } from './parse';

export interface CommandInvocation {
  /** Words after the subcommand name, with flags separated per the subcommand's spec. */
  args: ParsedArgs;
  /** The whole text after /ecs, Slack entities decoded. */
  text: string;
  userId: string;
  channelId: string;
  teamId?: string;
  triggerId?: string;
  /** Sends a message through the command's response_url (ephemeral unless response_type says otherwise). */
  respond: (msg: string | RespondArguments) => Promise<void>;
  log: Logger;
}

export interface Subcommand {
  name: string;
  aliases?: string[];
  /** One usage line, shown by /ecs help and with every usage error: `status [cluster][/service]`. */
  usage: string;
  summary: string;
  flags?: FlagSpec;
  /** Hidden from /ecs help (still routed). */
  hidden?: boolean;
  /** The subcommand records its own latency (its final answer comes after run() resolves, e.g. a running query). */
  ownLatency?: boolean;
  run(inv: CommandInvocation, ctx: AppContext): Promise<void>;
}

export type { RespondFn };
