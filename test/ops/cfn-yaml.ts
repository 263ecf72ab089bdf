import { parse, type ScalarTag, type CollectionTag, YAMLMap, YAMLSeq } from 'yaml';

/** CloudFormation's short-form intrinsic functions, parsed into their long JSON form. */
const FUNCTIONS = [
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'And',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'Condition',
];

function scalar(tag: string, toJson: (v: string) => unknown): ScalarTag {
  return { tag, resolve: (v: string) => toJson(v) } as ScalarTag;
}

function seq(tag: string, key: string): CollectionTag {
  return {
    tag,
    collection: 'seq',
    nodeClass: YAMLSeq,
    resolve: (v: YAMLSeq) => ({ [key]: v.toJSON() }),
  } as unknown as CollectionTag;
}

function map(tag: string, key: string): CollectionTag {
  return {
    tag,
    collection: 'map',
    nodeClass: YAMLMap,
    resolve: (v: YAMLMap) => ({ [key]: v.toJSON() }),
  } as unknown as CollectionTag;
}

const TAGS = [
  scalar('!Ref', (v) => ({ Ref: v })),
  scalar('!GetAtt', (v) => ({ 'Fn::GetAtt': v.split('.') })),
  seq('!GetAtt', 'Fn::GetAtt'),
  ...FUNCTIONS.flatMap((f) => {
    const key = f === 'Condition' ? 'Condition' : `Fn::${f}`;
    return [scalar(`!${f}`, (v) => ({ [key]: v })), seq(`!${f}`, key), map(`!${f}`, key)];
  }),
];

/** Parses a CloudFormation YAML template, short-form tags included. */
export function parseCfn(text: string): any {
  return parse(text, { customTags: TAGS as any, maxAliasCount: 0 });
}
