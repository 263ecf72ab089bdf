import { labWorld, type AwsWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { buttonClick, sendCommand, sendInteraction } from '../helpers/slack-sign';
import { startTestBot, type TestBot } from '../helpers/test-bot';
import { LIMITS } from '../../src/slack/limits';

/** A bot whose AWS is `world` and whose clock is the world's, so metric windows line up. */
export function statusBot(world: AwsWorld, env: Record<string, string | undefined> = {}): Promise<TestBot> {
  return startTestBot({ aws: awsClientsFor(world), clock: { now: () => world.now }, env });
}

/** The lab after the incident (4 desired, 1 running, 3 pending) plus a cluster without Container Insights. */
export function incidentLab() {
  const lab = labWorld();
  lab.raiseDesired(4);
  const w = lab.world;
  w.addCluster('legacy', { containerInsights: 'disabled' });
  w.addInstance('legacy', 't3.small');
  w.registerTaskDef({
    family: 'web',
    cpu: 256,
    memory: 256,
    containers: [{ name: 'web', image: 'example/web:1', cpu: 256, memory: 256 }],
  });
  w.addService('legacy', 'web', 'web:1', 2);
  w.settle();
  return lab;
}
export type IncidentLab = ReturnType<typeof incidentLab>;

let seq = 0;

/** Sends `/ecs <text>` signed, and resolves with the first body posted to its response_url. */
export async function ask(t: TestBot, text: string, o: { channel?: string; user?: string } = {}): Promise<any> {
  return (await askWithId(t, text, o)).first;
}

/** As ask, with the response_url's id too (to wait for what the command posts to it later). */
export async function askWithId(
  t: TestBot,
  text: string,
  o: { channel?: string; user?: string } = {},
): Promise<{ id: string; first: any }> {
  const id = `status-${++seq}`;
  const res = await sendCommand(t.url, {
    text,
    response_url: t.slack.responseUrl(id),
    channel_id: o.channel,
    user_id: o.user,
  });
  if (res.status !== 200) throw new Error(`command answered HTTP ${res.status}`);
  const r = await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, `the answer to /ecs ${text}`);
  return { id, first: r.body };
}

/** Clicks a button (signed block_actions) and resolves with the first response_url post. */
export async function click(t: TestBot, actionId: string, value: string): Promise<any> {
  const id = `click-${++seq}`;
  const res = await sendInteraction(t.url, buttonClick({ actionId, value, responseUrl: t.slack.responseUrl(id) }));
  if (res.status !== 200) throw new Error(`interaction answered HTTP ${res.status}`);
  const r = await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the answer to the click');
  return r.body;
}

/** Every piece of text a message's blocks carry, joined. */
export function blockText(body: { blocks?: any[] }): string {
  return (body.blocks ?? [])
    .map((b) =>
      [
        b.text?.text,
        ...(b.fields ?? []).map((f: any) => f.text),
        ...(b.type === 'context' ? b.elements.map((e: any) => e.text) : []),
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n');
}

/** Asserts Slack's block limits on a message body. */
export function expectWithinSlackLimits(body: { blocks?: any[]; text?: string }): void {
  const blocks = body.blocks ?? [];
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  for (const b of blocks) {
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
  }
  expect(blockText(body).length).toBeLessThanOrEqual(LIMITS.cumulativeBlockText);
  expect((body.text ?? '').length).toBeLessThanOrEqual(LIMITS.messageText);
}

/** The rows of the first ``` table after `title` in a message. */
export function tableAfter(body: { blocks?: any[] }, title: string): string[] {
  const text = blockText(body);
  const at = text.indexOf(title);
  if (at < 0) throw new Error(`no "${title}" in the message`);
  const start = text.indexOf('```\n', at);
  const end = text.indexOf('\n```', start + 4);
  return text.slice(start + 4, end).split('\n');
}

/** The contents of the files uploaded to the fake Slack (unwrapping WebClient's multipart body). */
export function uploadedFiles(t: TestBot): string[] {
  return [...t.slack.uploads.values()].map((raw) => {
    const s = raw.toString('utf8');
    const boundary = s.slice(0, s.indexOf('\r\n'));
    if (!boundary.startsWith('--')) return s;
    const start = s.indexOf('\r\n\r\n') + 4;
    const end = s.lastIndexOf(`\r\n${boundary}--`);
    return s.slice(start, end);
  });
}
