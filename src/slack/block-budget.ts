import type { types } from '@slack/bolt';
import { truncate } from '../util/text';
import { LIMITS } from './limits';
import { clipMrkdwn } from './mrkdwn';

/**
 * Slack's limits, applied in one place. Every message the bot builds passes its blocks through here:
 * each text element is cut to its own limit (`fitBlock`), and a `BlockBudget` keeps the whole message
 * within the block count and the cumulative text limit, holding room back for what must come last.
 */

type Block = types.KnownBlock;

/** Characters of text a block carries (every `text` string in it: header, sections, fields, context, buttons). */
export function blockTextLength(block: unknown): number {
  let n = 0;
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key === 'text') n += v.length;
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'value' || k === 'action_id' || k === 'block_id' || k === 'url') continue;
        walk(x, k);
      }
    }
  };
  walk(block);
  return n;
}

/** Characters of text in all the blocks: what Slack's cumulative limit (msg_blocks_too_long) counts. */
export function totalTextLength(blocks: readonly unknown[]): number {
  return blocks.reduce<number>((a, b) => a + blockTextLength(b), 0);
}

interface TextObject {
  type: string;
  text: string;
}

const isTextObject = (v: unknown): v is TextObject =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as TextObject).text === 'string' &&
  typeof (v as TextObject).type === 'string';

/** A text object cut to `max` characters: mrkdwn without breaking its markup, plain text on whole characters. */
function fitText<T>(t: T, max: number): T {
  if (!isTextObject(t)) return t;
  const text = t.type === 'mrkdwn' ? clipMrkdwn(t.text, max) : truncate(t.text, max);
  return text === t.text ? t : { ...t, text };
}

/** A block element (button, context text or image) within its limits. */
function fitElement<T>(e: T): T {
  if (!e || typeof e !== 'object') return e;
  const el = e as { type?: string; text?: unknown };
  if (el.type === 'mrkdwn' || el.type === 'plain_text') return fitText(e, LIMITS.contextElementText);
  if (el.type === 'button') {
    const text = fitText(el.text, LIMITS.buttonText);
    return text === el.text ? e : { ...e, text };
  }
  return e;
}

const fitBlockId = <T extends { block_id?: string }>(b: T): T =>
  b.block_id && b.block_id.length > LIMITS.blockId ? { ...b, block_id: truncate(b.block_id, LIMITS.blockId, '') } : b;

/**
 * The block with every text element within Slack's limit for it: header 150, section text 3,000,
 * 10 fields of 2,000, 10 context elements of 3,000, 25 actions elements, button labels 75, block IDs 255.
 * Text is cut on whole characters without breaking mrkdwn (an entity, a link, a code span).
 */
export function fitBlock(block: Block): Block {
  switch (block.type) {
    case 'header':
      return fitBlockId({ ...block, text: fitText(block.text, LIMITS.headerText) });
    case 'section': {
      const out: types.SectionBlock = { ...block };
      if (block.text) out.text = fitText(block.text, LIMITS.sectionText);
      if (block.fields)
        out.fields = block.fields.slice(0, LIMITS.fieldsPerSection).map((f) => fitText(f, LIMITS.fieldText));
      if (block.accessory) out.accessory = fitElement(block.accessory);
      return fitBlockId(out);
    }
    case 'context':
      return fitBlockId({ ...block, elements: block.elements.slice(0, LIMITS.contextElements).map(fitElement) });
    case 'actions':
      return fitBlockId({ ...block, elements: block.elements.slice(0, LIMITS.actionsElements).map(fitElement) });
    default:
      return block;
  }
}

/**
 * Whole parts joined by `separator` within `max` characters: for a line of links or mentions, where
 * cutting one in the middle would break it. A part may list alternatives, best first (a deep link, then
 * a shorter one): the first that still fits is used; a part none of whose forms fits is left out.
 */
export function joinWhole(parts: readonly (string | readonly string[])[], separator: string, max: number): string {
  let out = '';
  for (const part of parts) {
    for (const p of typeof part === 'string' ? [part] : part) {
      const next = out ? `${out}${separator}${p}` : p;
      if (next.length <= max) {
        out = next;
        break;
      }
    }
  }
  return out;
}

/** Blocks each within their limits, and no more of them than a message holds. */
export function fitBlocks(blocks: readonly Block[], maxBlocks: number = LIMITS.blocksPerMessage): Block[] {
  return blocks.slice(0, maxBlocks).map(fitBlock);
}

/** A message's top-level `text` (the fallback notifications show) within Slack's limit. */
export function fitMessageText(text: string): string {
  return truncate(text, LIMITS.messageText);
}

export interface Reserve {
  blocks?: number;
  chars?: number;
}

/**
 * A running budget of blocks and characters for one message or view. Every block added is first cut to
 * its element limits (`fitBlock`). Sections of a page take items while they fit, keeping `reserve` for
 * the sections after them, and say how many they left out.
 */
export class BlockBudget {
  readonly blocks: Block[] = [];
  private chars = 0;

  /** A message by default (50 blocks); pass LIMITS.blocksPerView for the Home tab or a modal. */
  constructor(
    private readonly maxBlocks: number = LIMITS.blocksPerMessage,
    private readonly maxChars: number = LIMITS.cumulativeBlockText - 500,
  ) {}

  get usedBlocks(): number {
    return this.blocks.length;
  }

  get usedChars(): number {
    return this.chars;
  }

  /** Characters still free after keeping `reserveChars` for later blocks. */
  charsLeft(reserveChars = 0): number {
    return Math.max(0, this.maxChars - this.chars - reserveChars);
  }

  /** Blocks still free after keeping `reserveBlocks` for later blocks. */
  blocksLeft(reserveBlocks = 0): number {
    return Math.max(0, this.maxBlocks - this.blocks.length - reserveBlocks);
  }

  /** True when the blocks (as they would be added, cut to their limits) fit while leaving `reserve`. */
  fits(candidate: Block | Block[], reserve: Reserve = {}): boolean {
    return this.measure(candidate, reserve) !== undefined;
  }

  /** Adds the blocks, each cut to its limits, when they all fit (all or nothing); returns whether they did. */
  add(candidate: Block | Block[], reserve: Reserve = {}): boolean {
    const fitted = this.measure(candidate, reserve);
    if (!fitted) return false;
    this.blocks.push(...fitted.blocks);
    this.chars += fitted.chars;
    return true;
  }

  private measure(candidate: Block | Block[], reserve: Reserve): { blocks: Block[]; chars: number } | undefined {
    const blocks = (Array.isArray(candidate) ? candidate : [candidate]).map(fitBlock);
    const chars = totalTextLength(blocks);
    if (blocks.length > this.blocksLeft(reserve.blocks ?? 0) || chars > this.charsLeft(reserve.chars ?? 0))
      return undefined;
    return { blocks, chars };
  }
}

/**
 * Renders as many `items` as fit (each item is one or more blocks), then a "more" line when some were
 * left out or `total` exceeds what was shown. Keeps `reserve` for later sections.
 */
export function addItems<T>(
  budget: BlockBudget,
  items: T[],
  render: (item: T) => Block[],
  o: { total?: number; reserve: Required<Reserve>; more: (left: number) => Block },
): number {
  const moreReserve = { blocks: o.reserve.blocks + 1, chars: o.reserve.chars + 200 };
  let shown = 0;
  for (const item of items) {
    if (!budget.add(render(item), moreReserve)) break;
    shown += 1;
  }
  const left = Math.max(o.total ?? items.length, items.length) - shown;
  if (left > 0) budget.add([o.more(left)], o.reserve);
  return shown;
}
