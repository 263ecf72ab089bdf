import type { types } from '@slack/bolt';
import fc from 'fast-check';
import {
  addItems,
  BlockBudget,
  blockTextLength,
  fitBlock,
  joinWhole,
  totalTextLength,
} from '../../src/slack/block-budget';
import { LIMITS } from '../../src/slack/limits';
import { clipMrkdwn, escapeText } from '../../src/slack/mrkdwn';

const section = (text: string): types.KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('one count of block text', () => {
  it('counts every text string: header, section, fields, context and button labels; not values, ids or URLs', () => {
    const blocks: types.KnownBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'abc' } },
      { type: 'section', text: { type: 'mrkdwn', text: 'de' }, fields: [{ type: 'mrkdwn', text: 'f' }] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'gh' }] },
      {
        type: 'actions',
        block_id: 'a-long-block-id',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'ij' }, action_id: 'x.y', value: '{"k":1}' }],
      },
    ];
    expect(blocks.map(blockTextLength)).toEqual([3, 3, 2, 2]);
    expect(totalTextLength(blocks)).toBe(10);
  });
});

describe('the one block budget', () => {
  it('cuts every element to its own limit as it adds it', () => {
    const b = new BlockBudget();
    const long = '😀'.repeat(2000);
    expect(
      b.add([
        { type: 'header', text: { type: 'plain_text', text: long } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: long },
          fields: Array(12).fill({ type: 'mrkdwn', text: long }),
        },
        { type: 'context', elements: Array(12).fill({ type: 'mrkdwn', text: 'x' }) },
        {
          type: 'actions',
          elements: [{ type: 'button', text: { type: 'plain_text', text: long }, action_id: 'a', value: 'v' }],
        },
      ]),
    ).toBe(false); // Even cut to their limits, the ten fields alone hold 20,000 characters: more than the cumulative budget, so nothing is added
    expect(b.usedBlocks).toBe(0);
    const fitted = fitBlock({
      type: 'section',
      text: { type: 'mrkdwn', text: long },
      fields: Array(12).fill({ type: 'mrkdwn', text: long }),
    }) as types.SectionBlock;
    expect(fitted.text!.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(fitted.text!.text.isWellFormed()).toBe(true);
    expect(fitted.fields).toHaveLength(LIMITS.fieldsPerSection);
    for (const f of fitted.fields!) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
    expect(b.add({ type: 'header', text: { type: 'plain_text', text: long } })).toBe(true);
    expect((b.blocks[0] as types.HeaderBlock).text.text).toHaveLength(LIMITS.headerText - 1);
  });

  it('keeps the reserve for what comes last and counts what it left out', () => {
    const b = new BlockBudget(6, 1000);
    const shown = addItems(
      b,
      Array.from({ length: 20 }, (_, i) => i),
      (i) => [section(`item ${i}`)],
      {
        reserve: { blocks: 1, chars: 100 },
        more: (left) => section(`…and ${left} more`),
      },
    );
    expect(shown).toBe(4);
    expect(b.blocksLeft()).toBe(1);
    expect(b.add(section('footer'))).toBe(true);
    expect(b.add(section('one too many'))).toBe(false);
    expect(JSON.stringify(b.blocks)).toContain('…and 16 more');
  });
});

describe('clipMrkdwn over hostile, emoji-heavy mrkdwn', () => {
  const piece = fc.constantFrom(
    'a',
    ' ',
    '*b*',
    // The bot never writes code spans back to back (four backticks in a row mean nothing sure to Slack).
    ' `code` ',
    '\n```\nblock\n```\n',
    '<https://example.com/x|link>',
    '<@U0ALICE>',
    '&amp;',
    '&lt;',
    '😀',
    '👩‍👩‍👧‍👦',
    '🇫🇷',
    '👍🏿',
    '\n',
  );
  const text = fc.array(piece, { maxLength: 60 }).map((p) => p.join(''));

  it('is well-formed, within the limit, and leaves no half entity, link or code span', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 200 }), (s, max) => {
        const out = clipMrkdwn(s, max);
        expect(out.isWellFormed()).toBe(true);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/&[a-z]{0,5}…/);
        expect((out.match(/</g) ?? []).length).toBe((out.match(/>/g) ?? []).length);
        expect((out.match(/```/g) ?? []).length % 2).toBe(0);
        expect((out.replace(/```/g, '').match(/`/g) ?? []).length % 2).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('closes a code block it cuts through', () => {
    const table = '```\n' + 'row 😀 with &amp; text\n'.repeat(20) + '```';
    const out = clipMrkdwn(table, 100);
    expect(out.endsWith('…\n```')).toBe(true);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(clipMrkdwn(escapeText('a & b'), 5)).toBe('a …');
  });
});

describe('joinWhole', () => {
  it('joins whole parts while they fit, takes the first alternative that fits, and never cuts a part', () => {
    const long = `<https://example.com/${'x'.repeat(50)}|one>`;
    expect(joinWhole(['<a|A>', '<b|B>'], ' · ', 100)).toBe('<a|A> · <b|B>');
    expect(joinWhole([[long, '<s|short>'], '<b|B>'], ' · ', 30)).toBe('<s|short> · <b|B>');
    expect(joinWhole([long, '<b|B>'], ' · ', 30)).toBe('<b|B>');
    expect(joinWhole(['<a|A>', '<b|B>'], ' · ', 7)).toBe('<a|A>');
    expect(joinWhole([[long]], ' · ', 10)).toBe('');
  });
});
