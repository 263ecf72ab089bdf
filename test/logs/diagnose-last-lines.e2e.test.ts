import { sendCommand } from '../helpers/slack-sign';
import type { TestBot } from '../helpers/test-bot';
import { blockText } from '../status/status-helpers';
import { CLUSTER, SERVICE, logsBot, logsWorld } from './logs-world';

async function diagnose(t: TestBot): Promise<any> {
  const id = `diag-${Math.random().toString(36).slice(2)}`;
  const res = await sendCommand(t.url, {
    text: `diagnose ${CLUSTER}/${SERVICE}`,
    response_url: t.slack.responseUrl(id),
  });
  expect(res.status).toBe(200);
  return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 10_000, 'the diagnosis')).body;
}

describe('the diagnosis of a stopped task shows the container’s last log lines', () => {
  let w: ReturnType<typeof logsWorld>;
  let t: TestBot;
  beforeEach(async () => {
    w = logsWorld();
    t = await logsBot(w);
  });
  afterEach(async () => {
    await t.stop();
  });

  function oomKill() {
    const [victim] = w.tasks();
    w.say(
      victim,
      'app',
      Array.from({ length: 15 }, (_, i): [number, string] => [(16 - i) * 1000, `allocating batch ${i} <!here>`]),
    );
    w.world.tick(10_000);
    w.world.stopTask(victim, 'EssentialContainerExited', 'Essential container in task exited');
    const app = victim.containers.find((c) => c.name === 'app')!;
    app.exitCode = 137;
    app.reason = 'OutOfMemoryError: Container killed due to memory usage';
    return victim;
  }

  it('an OOM kill: the stop reason and exit code, and the last 10 lines of that container’s own stream', async () => {
    const victim = oomKill();
    const body = await diagnose(t);
    const text = blockText(body);
    expect(text).toContain('killed for running out of memory');
    expect(text).toContain(
      `app in task ${victim.id.slice(0, 8)} stopped: "OutOfMemoryError: Container killed due to memory usage", exit code 137. Its last 10 lines:`,
    );
    const block = body.blocks.find((b: any) => b.type === 'section' && b.text.text.includes('Its last 10 lines'));
    const lines = block.text.text.split('```')[1].split('\n');
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `allocating batch ${i + 5} &lt;!here&gt;`));
    const calls = w.logs.callsOf('FilterLogEvents');
    expect(calls).toHaveLength(1);
    expect(calls[0].logStreamNames).toEqual([`web/app/${victim.id}`]);
  });

  it('a container whose logs cannot be read: the reason instead of lines, the diagnosis still complete', async () => {
    oomKill();
    w.logs.deniedGroups.add('/ecs/web');
    const text = blockText(await diagnose(t));
    expect(text).toContain('killed for running out of memory');
    expect(text).toContain('Its last lines could not be read: the bot may not read log group /ecs/web');
  });

  it('no failed stop: no logs are read', async () => {
    const text = blockText(await diagnose(t));
    expect(text).not.toContain('last 10 lines');
    expect(w.logs.callsOf('FilterLogEvents')).toHaveLength(0);
  });
});
