import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { sendCommand } from '../helpers/slack-sign';
import { startTestBot, type TestBot } from '../helpers/test-bot';
import { unsafeParts } from '../hostile/safe-mrkdwn';

const MIN = 60_000;
const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

/**
 * A container killed for memory, diagnosed over signed HTTP: the finding puts the container's limit
 * beside the peak Container Insights saw, and the recommendation is a larger memory setting in words —
 * no button, no instances, no restart.
 */
describe('/ecs diagnose of a container killed for memory', () => {
  let t: TestBot;
  let lab: ReturnType<typeof labWorld>;

  beforeEach(async () => {
    lab = labWorld();
    const w = lab.world;
    for (const ago of [14, 9, 4])
      w.addStoppedTask(lab.cluster, lab.service, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: OOM_REASON,
        at: w.now - ago * MIN,
      });
    t = await startTestBot({
      aws: awsClientsFor(w),
      clock: { now: () => w.now },
      noWorkers: true,
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  async function diagnose(): Promise<any> {
    const id = `r${Math.random().toString(36).slice(2)}`;
    const res = await sendCommand(t.url, {
      text: 'diagnose EcsLabCluster/EcsLabApi',
      response_url: t.slack.responseUrl(id),
    });
    expect(res.status).toBe(200);
    return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 8000, 'the diagnosis')).body;
  }

  it('shows the 512 MiB limit against the Container Insights peak, and recommends more memory in words', async () => {
    // Memory use peaked at 97% of the reservation 6 minutes ago.
    const peakAt = Math.floor((lab.world.now - 6 * MIN) / MIN) * MIN;
    lab.world.metricOverride = (q) =>
      q.metricName === 'MemoryUtilized' && q.dims.ServiceName === 'EcsLabApi'
        ? q.at === peakAt
          ? 0.97 * 512
          : 0.5 * 512
        : undefined;
    const body = await diagnose();
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain(
      'api was killed for running out of memory: 512 MiB limit, peak use about 497 MiB per task (97% of the reservation)',
    );
    expect(blocks).toContain('api: hard limit 512 MiB (memory); task memory 512 MiB');
    expect(blocks).toContain('3 memory kills in the last hour');
    expect(blocks).toContain(
      '*Recommendation:* Container api is killed for running out of memory (512 MiB limit, peak about 497 MiB per task): give it more memory in a new task definition revision, e.g. 768 MiB, or find what grew; more instances would not help.',
    );
    // No change to propose; only the Show graph button of an answer only the asker sees.
    expect(body.blocks.filter((b: any) => b.type === 'actions').map((b: any) => b.block_id)).toEqual(['status.graph']);
    expect(blocks).not.toMatch(/restart|roll back|Scale /i);
    expect(unsafeParts(body, { users: ['U0ALICE'] })).toEqual([]);
    // One GetMetricData for the utilisation, one for the memory peak; nothing changed.
    expect(lab.world.callsTo('GetMetricData').length).toBeGreaterThanOrEqual(2);
    expect(lab.world.calls.filter((c) => !/^(Describe|List|Get)/.test(c.op))).toEqual([]);
  });

  it('says the peak is not known when Container Insights is off, and still recommends the memory', async () => {
    lab.world.clusters.get('EcsLabCluster')!.containerInsights = 'disabled';
    const body = await diagnose();
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain('*api was killed for running out of memory: 512 MiB limit*');
    expect(blocks).toContain('Peak memory not known: Container Insights is off on cluster EcsLabCluster');
    expect(blocks).toContain('give it more memory in a new task definition revision, e.g. 768 MiB');
  });
});
