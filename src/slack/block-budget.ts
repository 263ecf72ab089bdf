import type { types } from '@slack/bolt';

type Block = types.KnownBlock;

/** Characters of text a block carries (every `text` string in it: sections, fields, context, buttons). */
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

/**
 * A running budget of blocks and characters for one message or view. Sections of a page take items
 * while they fit, keeping `reserve` for the sections after them, and say how many they left out.
 */
export class BlockBudget {
  readonly blocks: Block[] = [];
  private chars = 0;

  constructor(
    private readonly maxBlocks: number,
    private readonly maxChars: number,
  ) {}

  get usedBlocks(): number {
    return this.blocks.length;
  }

  get usedChars(): number {
    return this.chars;
  }

  /** True when `candidate` fits while leaving `reserve` blocks and characters for what follows. */
  fits(candidate: Block[], reserve: { blocks: number; chars: number } = { blocks: 0, chars: 0 }): boolean {
    const chars = candidate.reduce((a, b) => a + blockTextLength(b), 0);
    return (
      this.blocks.length + candidate.length + reserve.blocks <= this.maxBlocks &&
      this.chars + chars + reserve.chars <= this.maxChars
    );
  }

  /** Adds the blocks when they fit (all or nothing); returns whether they were added. */
  add(candidate: Block[], reserve?: { blocks: number; chars: number }): boolean {
    if (!this.fits(candidate, reserve)) return false;
    this.blocks.push(...candidate);
    this.chars += candidate.reduce((a, b) => a + blockTextLength(b), 0);
    return true;
  }

  /** Adds regardless of the reserve (still never beyond the hard limits). */
  force(candidate: Block[]): boolean {
    return this.add(candidate);
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
  o: { total?: number; reserve: { blocks: number; chars: number }; more: (left: number) => Block },
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
