import type { types } from '@slack/bolt';
import type { ProposeButtonValue } from '../types';
import { code, escapeText } from '../../slack/mrkdwn';
import { truncate } from '../../util/text';
import { proposeButton, type EphemeralMessage } from './change-request';
import { LIMITS } from '../../slack/limits';

type KnownBlock = types.KnownBlock;

/** One proposed request: a button label, its value, and the command line that does the same. */
export interface ScaleSuggestion {
  label: string;
  value: ProposeButtonValue;
  command: string;
}

export interface ScaleSuggestionsView {
  cluster: string;
  service?: { name: string; desired: number; running: number; pending: number };
  group?: { name: string; desired: number; inService: number; min: number; max: number };
  /** The cluster's Auto Scaling groups when it has several. */
  groups?: { name: string; desired: number; inService: number; min: number; max: number }[];
  /** Why instance suggestions are missing, when the group could not be found. */
  groupNote?: string;
  suggestions: ScaleSuggestion[];
  /** Why a suggestion is missing or cut short: the bound of the account that stops it, and where it is set. */
  notes?: string[];
  /** `prod (111111111111) · eu-west-1` when several accounts or regions are configured. */
  where?: string;
}

/** The alarm card's Scale… answer: the current counts, proposal buttons, and the commands to type. */
export function renderScaleSuggestions(v: ScaleSuggestionsView): EphemeralMessage {
  const facts: string[] = [];
  if (v.service) {
    facts.push(
      `*${code(`${v.cluster}/${v.service.name}`)}*: desired ${v.service.desired} · running ${v.service.running} · pending ${v.service.pending}`,
    );
  }
  if (v.group) {
    facts.push(
      `*Instances* (group ${code(v.group.name)}): desired ${v.group.desired} · in service ${v.group.inService} · min ${v.group.min} · max ${v.group.max}`,
    );
  } else if (v.groups?.length) {
    for (const g of v.groups)
      facts.push(
        `*Instances* (group ${code(g.name)}): desired ${g.desired} · in service ${g.inService} · min ${g.min} · max ${g.max}`,
      );
  } else if (v.groupNote) {
    facts.push(`_Instances: ${escapeText(v.groupNote)}_`);
  }
  if (v.where) facts.push(`_In ${escapeText(v.where)}_`);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(facts.join('\n') || `Cluster ${code(v.cluster)}`, LIMITS.sectionText) },
    },
  ];
  const shown = v.suggestions.slice(0, 5);
  if (shown.length) {
    blocks.push({
      type: 'actions',
      block_id: 'scale_suggestions',
      elements: shown.map((s, i) => proposeButton(s.label, s.value, i + 1)),
    });
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `Each button asks an approver; nothing changes until one approves. Or type:\n${shown.map((s) => code(s.command)).join('\n')}`,
            LIMITS.sectionText,
          ),
        },
      ],
    });
  } else {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'No scale request to suggest within the configured bounds.' }],
    });
  }
  if (v.notes?.length) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(v.notes.map((n) => `:straight_ruler: ${escapeText(n)}.`).join('\n'), LIMITS.sectionText),
        },
      ],
    });
  }
  return {
    response_type: 'ephemeral',
    replace_original: false,
    text: truncate(
      escapeText(
        `Scale ${v.service ? `${v.cluster}/${v.service.name}` : v.cluster}: ${shown.map((s) => s.command).join(' | ') || 'nothing to suggest'}${v.notes?.length ? ` (${v.notes.join('; ')})` : ''}`,
      ),
      LIMITS.messageText,
    ),
    blocks,
  };
}
