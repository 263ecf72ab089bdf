import { blockText, expectWithinSlackLimits, uploadedFiles } from '../status/status-helpers';
import { sendCommand } from '../helpers/slack-sign';
import { FakeSlack } from '../helpers/fake-slack';
import type { TestBot } from '../helpers/test-bot';
import { CLUSTER, GROUP, SERVICE, logsBot, logsWorld } from './logs-world';

const MIN = 60_000;
let seq = 0;

async function ask(t: TestBot, text: string, channel = 'C0OPS'): Promise<any> {
  const id = `logs-${++seq}`;
  const res = await sendCommand(t.url, { text, response_url: t.slack.responseUrl(id), channel_id: channel });
  expect(res.status).toBe(200);
  return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, `the answer to /ecs ${text}`)).body;
}

/** The lines of every ``` block after the section whose text starts with `*container*`. */
function linesOf(body: any, container: string): string[] {
  const blocks: any[] = body.blocks;
  const at = blocks.findIndex((b) => b.type === 'section' && b.text.text.startsWith(`*${container}*`));
  if (at < 0) return [];
  const out: string[] = [];
  for (const b of blocks.slice(at + 1)) {
    if (b.type !== 'section' || !b.text.text.startsWith('```')) break;
    out.push(...b.text.text.replace(/^```|```$/g, '').split('\n'));
  }
  return out;
}

describe('/ecs logs over signed HTTP, CloudWatch Logs from the fake world', () => {
  let w: ReturnType<typeof logsWorld>;
  let t: TestBot;
  beforeEach(async () => {
    w = logsWorld();
    t = await logsBot(w);
  });
  afterEach(async () => {
    await t.stop();
  });

  it('shows a code block per container with task ID and time on each line, newest last, only to the asker', async () => {
    const [a, b] = w.tasks();
    w.say(a, 'app', [
      [10 * MIN, 'GET /health 200'],
      [5 * MIN, 'GET /cart 500 upstream timeout'],
      [1 * MIN, 'GET /health 200 (a)'],
    ]);
    w.say(b, 'app', [[3 * MIN, 'GET /health 200 (b)']]);
    w.say(a, 'worker', [
      [20 * MIN, 'too old for the window'],
      [2 * MIN, 'job 42 done'],
    ]);
    const body = await ask(t, `logs ${CLUSTER}/${SERVICE}`);
    expect(body.response_type).toBe('ephemeral');
    expectWithinSlackLimits(body);
    const text = blockText(body);
    expect(text).toContain('*Logs of `shop/web`* · 15m up to');
    expect(text).toContain(' · 5 lines, newest last, times UTC');
    const time = (ago: number) => new Date(w.world.now - ago).toISOString().slice(11, 23);
    expect(linesOf(body, 'app')).toEqual([
      `${a.id.slice(0, 8)} ${time(10 * MIN)} GET /health 200`,
      `${a.id.slice(0, 8)} ${time(5 * MIN)} GET /cart 500 upstream timeout`,
      `${b.id.slice(0, 8)} ${time(3 * MIN)} GET /health 200 (b)`,
      `${a.id.slice(0, 8)} ${time(1 * MIN)} GET /health 200 (a)`,
    ]);
    expect(text).toContain('*app* · log group `/ecs/web` (us-east-1) · 2 tasks');
    expect(linesOf(body, 'worker')).toEqual([`${a.id.slice(0, 8)} ${time(2 * MIN)} job 42 done`]);
    // The FireLens container: where its logs go instead of nothing.
    expect(text).toContain(
      '`router` logs with `awsfirelens`: FireLens routes them to its datadog output (http-intake.logs.example.com)',
    );
    // One FilterLogEvents per stream (2 tasks × 2 containers) over the window.
    const calls = w.logs.callsOf('FilterLogEvents');
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.logStreamNames[0]))).toEqual(
      new Set([`web/app/${a.id}`, `web/app/${b.id}`, `web/worker/${a.id}`, `web/worker/${b.id}`]),
    );
    for (const c of calls) {
      expect(c.logGroupName).toBe(GROUP);
      expect(c.endTime - c.startTime).toBe(15 * MIN);
      expect(c.filterPattern).toBeUndefined();
    }
    expect(t.slack.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('--grep sends a plain term as one quoted term and a pattern as written', async () => {
    const [a] = w.tasks();
    w.say(a, 'app', [
      [4 * MIN, 'GET /cart 500 upstream timeout'],
      [3 * MIN, 'GET /health 200'],
      [2 * MIN, 'panic: runtime error'],
    ]);
    const body = await ask(t, `logs ${CLUSTER}/${SERVICE} --grep "upstream timeout"`);
    expect(linesOf(body, 'app').map((l) => l.slice(22))).toEqual(['GET /cart 500 upstream timeout']);
    expect(blockText(body)).toContain('matching `upstream timeout`');
    expect(w.logs.callsOf('FilterLogEvents')[0].filterPattern).toBe('"upstream timeout"');

    w.logs.calls.length = 0;
    const any = await ask(t, `logs ${CLUSTER}/${SERVICE} --grep '?panic ?timeout' --container app`);
    expect(linesOf(any, 'app').map((l) => l.slice(22))).toEqual([
      'GET /cart 500 upstream timeout',
      'panic: runtime error',
    ]);
    const calls = w.logs.callsOf('FilterLogEvents');
    expect(calls.every((c) => c.filterPattern === '?panic ?timeout')).toBe(true);
    // --container reads that container's streams only.
    expect(calls.every((c) => c.logStreamNames[0].startsWith('web/app/'))).toBe(true);
  });

  it('a window with nothing in it says so, and suggests dropping --grep when one was given', async () => {
    const [a] = w.tasks();
    w.say(a, 'app', [[30 * MIN, 'an hour-old line']]);
    const body = await ask(t, `logs ${CLUSTER}/${SERVICE} --since 20m`);
    expect(blockText(body)).toContain('No log lines in the last 20m.');
    const grep = await ask(t, `logs ${CLUSTER}/${SERVICE} --since 2h --grep nothing-like-this`);
    expect(blockText(grep)).toContain('No log lines matching `nothing-like-this` in the last 2h: try without --grep');
  });

  it('neutralises log text: colour codes and control characters stripped, no mention, link, entity or fence survives', async () => {
    const [a] = w.tasks();
    w.say(a, 'app', [
      [2 * MIN, '\u001b[31mERROR\u001b[0m disk\u0007 full\u0000 <!channel> <@U0BOSS> @here'],
      [1 * MIN, '*bold* _it_ ~s~ ```break out``` <https://evil.example|click me> &amp; \u202Eevil'],
    ]);
    const body = await ask(t, `logs ${CLUSTER}/${SERVICE} --container app`);
    const lines = linesOf(body, 'app').map((l) => l.slice(22));
    expect(lines[0]).toBe('ERROR disk full &lt;!channel&gt; &lt;@U0BOSS&gt; @\u200dhere');
    expect(lines[1]).toBe('*bold* _it_ ~s~ ˋˋˋbreak outˋˋˋ &lt;https://evil.example|click me&gt; &amp;amp; evil');
    const all = JSON.stringify(body);
    expect(all).not.toMatch(/<!channel>|<@U0BOSS>|<https:/);
    expect(all).not.toContain('\\u001b');
    // Every code block stays one block: the only fences are the bot's own.
    for (const b of body.blocks.filter((x: any) => x.type === 'section' && x.text.text.startsWith('```')))
      expect(b.text.text.match(/```/g)).toHaveLength(2);
  });

  it('names what is missing: a log group that does not exist, or the permission on that group', async () => {
    w.logs.groups.delete(GROUP);
    w.logs.logGroups.delete(GROUP);
    const missing = blockText(await ask(t, `logs ${CLUSTER}/${SERVICE}`));
    expect(missing).toContain(':warning: `app`: log group /ecs/web does not exist in us-east-1.');
    expect(missing).toContain('No log stream of this service could be read.');

    w.logs.addGroup(GROUP);
    w.logs.deniedGroups.add(GROUP);
    const denied = blockText(await ask(t, `logs ${CLUSTER}/${SERVICE}`));
    expect(denied).toContain(
      'the bot may not read log group /ecs/web: grant it logs:FilterLogEvents on arn:aws:logs:us-east-1:*:log-group:/ecs/web:* (see iam-policy.json)',
    );
  });

  it('more than a message holds: the newest lines shown, every page followed, the whole result attached as a .log file', async () => {
    w.logs.filterPageSize = 100;
    const [a, b] = w.tasks();
    const many = (tag: string) =>
      Array.from({ length: 250 }, (_, i): [number, string] => [
        (250 - i) * 1000,
        `${tag} line ${i} ${'x'.repeat(150)}`,
      ]);
    w.say(a, 'app', many('A'));
    w.say(b, 'app', many('B'));
    const body = await ask(t, `logs ${CLUSTER}/${SERVICE} --limit 500 --container app`);
    expectWithinSlackLimits(body);
    const shown = linesOf(body, 'app');
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(500);
    expect(shown[shown.length - 1]).toContain('line 249');
    const text = blockText(body);
    expect(text).toContain(`newest ${shown.length} of 500 lines shown`);
    expect(text).toContain('the full result is in the .log file sent to you in a direct message from the bot');
    // 250 lines per stream in pages of 100: 3 calls each.
    expect(w.logs.callsOf('FilterLogEvents')).toHaveLength(6);
    // The answer is the asker's alone, so is the file: in their direct messages, nothing in the channel.
    const dm = FakeSlack.directMessagesWith('U0ALICE')!;
    const complete = t.slack.callsTo('files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(complete[0].args.channel_id).toBe(dm);
    expect(t.slack.messagesIn('C0OPS')).toEqual([]);
    expect(t.slack.messagesIn(dm).map((m) => m.text)).toEqual(['Logs of `shop/web`: the full result, for you only']);
    expect([...t.slack.files.values()].map((f) => f.channel)).toEqual([dm]);
    const [file] = uploadedFiles(t);
    const fileLines = file
      .trim()
      .split('\n')
      .filter((l) => /^\d{4}-/.test(l));
    expect(fileLines).toHaveLength(500);
    expect(fileLines[499]).toMatch(new RegExp(`^\\S+Z (${a.id}|${b.id}) [AB] line 249 x+$`));
  });

  it('a --public answer too long for a message shares its .log file in the channel, for everyone who sees it', async () => {
    const [a] = w.tasks();
    w.say(
      a,
      'app',
      Array.from({ length: 300 }, (_, i): [number, string] => [(300 - i) * 1000, `line ${i} ${'y'.repeat(150)}`]),
    );
    const body = await ask(t, `logs ${CLUSTER}/${SERVICE} --limit 300 --container app --public`);
    expect(body.response_type).toBe('in_channel');
    expect(blockText(body)).toContain('the full result is in the .log file in the thread');
    const complete = t.slack.callsTo('files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(complete[0].args.channel_id).toBe('C0OPS');
    expect(String(complete[0].args.initial_comment)).toContain('Logs of `shop/web` for <@U0ALICE>');
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('--public answers in the channel; --task reads that task only', async () => {
    const [a, b] = w.tasks();
    w.say(a, 'app', [[1 * MIN, 'from a']]);
    w.say(b, 'app', [[1 * MIN, 'from b']]);
    const body = await ask(t, `logs ${CLUSTER} ${SERVICE} --task ${b.arn} --public`);
    expect(body.response_type).toBe('in_channel');
    expect(linesOf(body, 'app').map((l) => l.slice(22))).toEqual(['from b']);
    expect(blockText(body)).toMatch(/asked by <@U\w+>/);
    expect(w.logs.callsOf('FilterLogEvents').every((c) => c.logStreamNames[0].endsWith(b.id))).toBe(true);
  });

  it('refuses bad input with the problem and the usage line, before any AWS call', async () => {
    const usage =
      'Usage: `/ecs logs &lt;cluster&gt;/&lt;service&gt; [--since 15m] [--grep TEXT] [--task ID] [--container NAME] [--limit N] [--account NAME] [--region REGION] [--public]`';
    const cases: [string, string][] = [
      ['logs', 'name the service whose logs to show'],
      [`logs ${CLUSTER}/${SERVICE} --limit 501`, '--limit must be from 1 to 500, not 501'],
      [`logs ${CLUSTER}/${SERVICE} --limit lots`, '--limit takes a whole number from 1 to 500'],
      [`logs ${CLUSTER}/${SERVICE} --since 2d`, '--since 2d is longer than the 24h the bot reads logs over'],
      [`logs ${CLUSTER}/${SERVICE} --since soon`, '--since takes a duration such as 15m, 2h or 1d'],
      [`logs ${CLUSTER}/${SERVICE} --task ../../etc`, '--task takes a task ID or task ARN'],
      [`logs ${CLUSTER}/${SERVICE} --container "a b"`, 'is not a container name'],
      [`logs ${CLUSTER}/`, 'name a service: logs are read per service'],
    ];
    for (const [text, problem] of cases) {
      const body = await ask(t, text);
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain(problem);
      expect(body.text).toContain(usage);
    }
    expect(w.world.calls).toHaveLength(0);
    expect(w.logs.calls).toHaveLength(0);
  });

  it('an unknown service or container: the closest names', async () => {
    expect((await ask(t, `logs ${CLUSTER}/wbe`)).text).toContain('Did you mean: `web`');
    expect((await ask(t, `logs ${CLUSTER}/${SERVICE} --container ap`)).text).toContain(
      'container "ap" is not in the task definitions of shop/web (app, worker, router)',
    );
  });
});
