import fs from 'node:fs';
import path from 'node:path';
import { startTestBot, type TestBot } from '../helpers/test-bot';
import { sendCommand } from '../helpers/slack-sign';
import { SETTING_HELP } from '../../src/config';

const ROOT = path.join(__dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

/** Markdown without fenced code blocks, where neither headings nor links count. */
function prose(md: string): string {
  return md.replace(/^(```+|~~~+)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, -1, -2 on repeats. */
export function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of prose(md).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative link targets of a Markdown file (inline links and images; inline code is not a link). */
export function relativeLinks(md: string): string[] {
  const text = prose(md).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
}

describe('the docs hold together', () => {
  it('finds the pages it checks', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['README.md', 'docs/commands.md', 'docs/operations.md']));
  });

  it.each(DOCS)('%s: every relative link resolves to a file, and every #anchor to a heading in it', (file) => {
    const broken: string[] = [];
    for (const href of relativeLinks(read(file))) {
      const [target, anchor] = href.split('#', 2);
      const resolved = target ? path.join(path.dirname(file), decodeURIComponent(target)) : file;
      if (!fs.existsSync(path.join(ROOT, resolved))) {
        broken.push(`${href} (no file ${resolved})`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor)) {
        broken.push(`${href} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('computes anchors and finds links as GitHub does (the checks above rest on it)', () => {
    const md =
      '# Security and resilience\n## /ecs status\n## Fault injection (in `npm test`)\n## Notes\n## Notes\n' +
      '```\n# not a heading\n[no](link.md)\n```\nSee [a](docs/a.md#x), `[b](b.md)` and <https://example.com>.\n';
    expect([...anchorsOf(md)]).toEqual([
      'security-and-resilience',
      'ecs-status',
      'fault-injection-in-npm-test',
      'notes',
      'notes-1',
    ]);
    expect(relativeLinks(md)).toEqual(['docs/a.md#x']);
  });
});

describe('docs/operations.md: the settings', () => {
  it('names every setting the configuration reads in its Configuration table', () => {
    const doc = read('docs/operations.md');
    const start = doc.indexOf('## Configuration');
    expect(start).toBeGreaterThanOrEqual(0);
    const table = doc.slice(start, doc.indexOf('\n## ', start + 3));
    const rows = table.split('\n').filter((l) => l.startsWith('| `'));
    const missing = Object.keys(SETTING_HELP).filter((k) => !rows.some((r) => r.includes(`\`${k}\``)));
    expect(Object.keys(SETTING_HELP).length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});

describe('README: the test command', () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Development'));
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;

  it('is the command CI runs', () => {
    expect(section).toContain('```sh\nnpm test\n```');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });

  it('describes each step of the npm test script, in order, and no other', () => {
    // The numbered list under "Development": "1. `tsc --noEmit -p .` — …".
    const steps = [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]);
    expect(steps.join(' && ')).toBe(scripts.test);
  });
});

describe('README: the command index', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('has a line for every subcommand /ecs help lists', async () => {
    const res = await sendCommand(t.url, { text: 'help', response_url: t.slack.responseUrl() });
    const text = ((await res.json()) as { text: string }).text;
    const names = [...new Set([...text.matchAll(/^\/ecs (\S+)/gm)].map((m) => m[1]))];
    expect(names).toEqual(expect.arrayContaining(['help', 'status', 'scale', 'doctor']));
    const readme = read('README.md');
    const index = readme.slice(
      readme.indexOf('## Commands'),
      readme.indexOf('\n## ', readme.indexOf('## Commands') + 3),
    );
    const rows = index.split('\n').filter((l) => l.startsWith('| `/ecs '));
    const missing = names.filter((n) => !rows.some((r) => r.includes(`\`/ecs ${n}\``) || r.includes(`\`/ecs ${n} `)));
    expect(missing).toEqual([]);
  });
});

describe('README: the graphs', () => {
  it('has a row for every place a graph is drawn, naming the metrics the diagnosis graphs draw', () => {
    const readme = read('README.md');
    const start = readme.indexOf('## Graphs in the messages');
    const table = readme.slice(start, readme.indexOf('\n## ', start + 3));
    const places = table
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| Where') && !l.startsWith('|---'))
      .map((l) => l.split('|')[1].trim());
    expect(places).toEqual([
      '`/ecs status <cluster>/<service>`',
      '`/ecs status <cluster>`',
      'Alarm card',
      'Diagnosis',
      'Rollout follow-up',
    ]);
    const diagnosis = table.split('\n').find((l) => l.startsWith('| Diagnosis'))!;
    for (const m of ['MemoryUtilized', 'MemoryReserved', 'MemoryUtilization']) expect(diagnosis).toContain(m);
  });
});
