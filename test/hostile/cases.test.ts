import fs from 'node:fs';
import path from 'node:path';

/**
 * docs/security.md lists each case of the hostile review beside the test that proves its fix
 * (`file` › name of a describe block or test). A test renamed, moved or deleted would leave the table
 * naming nothing: each row must name a test that exists.
 */
const ROOT = path.join(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf8');
const section = doc.slice(doc.indexOf('### Each hostile case and its test'));
const rows = [...section.matchAll(/^\|(.+?)\|\s*`(test\/[^`]+)` › (.+?)\|$/gm)].map(
  (m) => [m[1].trim(), m[2], m[3].trim()] as const,
);

/** Test titles as written in a file: the first argument of describe, it and their .each forms. */
function titles(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  const call = /\b(?:describe|describeEachStore|it|test)(?:\.each\([\s\S]*?\))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const m of src.matchAll(call)) out.push(m[2].replace(/\\(['"`\\])/g, '$1'));
  return out;
}

describe('the hostile-input suite names each case', () => {
  it('the table lists the cases', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it.each(rows)('%s: %s › %s', (_case, file, name) => {
    expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
    expect(titles(file)).toContain(name);
  });
});
