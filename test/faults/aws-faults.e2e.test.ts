import { labWorld, WorldError } from '../helpers/aws-world';
import type { TestBot } from '../helpers/test-bot';
import { ask, blockText, statusBot } from '../status/status-helpers';

/**
 * AWS failing under a real command, over signed HTTP: the bot's clients in tests make one attempt
 * (the SDK's retries are proven in aws-throttle.test.ts), so a fault here is what the bot sees after
 * its retries ran out. Each answer must say what happened and what to do, never "something went wrong".
 */
describe('AWS throttling and timeouts under /ecs status', () => {
  let lab: ReturnType<typeof labWorld>;
  let t: TestBot;
  beforeEach(async () => {
    lab = labWorld();
    t = await statusBot(lab.world);
  });
  afterEach(async () => {
    await t.stop();
  });

  const text = (body: any) => `${body.text ?? ''}\n${blockText(body)}`;

  it('a throttled ECS call ends in a clear "AWS is throttling … try again in a minute", not an error reference', async () => {
    lab.world.throttleNext('DescribeClusters', 1);
    const body = await ask(t, 'status EcsLabCluster');
    expect(body.response_type).toBe('ephemeral');
    expect(text(body)).toContain(
      'AWS is throttling ecs:DescribeClusters right now, even after retries. Try again in a minute.',
    );
    expect(text(body)).not.toContain('Something went wrong');
    // The next try, once AWS stops throttling, answers normally.
    const again = await ask(t, 'status EcsLabCluster');
    expect(text(again)).toContain('Cluster EcsLabCluster');
  });

  it('a timeout in the middle of the batched reads says it timed out and names the call', async () => {
    lab.world.failNext(
      'DescribeServices',
      () => new WorldError('TimeoutError', 'Connection timed out after 3000 ms', 'server'),
    );
    const body = await ask(t, 'status EcsLabCluster');
    expect(text(body)).toContain(
      'ecs:DescribeServices timed out talking to AWS. Try again; if it persists, check the region and network.',
    );
    // No half-loaded answer: the services table never appears.
    expect(text(body)).not.toContain('*Services*');
  });

  it('throttled CloudWatch still answers with the ECS facts and a note saying why utilisation is missing', async () => {
    lab.world.throttleNext('GetMetricData', 5);
    const body = await ask(t, 'status EcsLabCluster');
    const s = text(body);
    expect(s).toContain('Cluster EcsLabCluster');
    expect(s).toContain('EcsLabApi');
    expect(s).toMatch(/Utilisation unavailable: .*throttling/);
  });

  it('logs the failure with the operation, and no AWS credentials', async () => {
    lab.world.throttleNext('DescribeClusters', 1);
    await ask(t, 'status EcsLabCluster');
    const refused = t.logs.records().find((r) => r.msg === 'command refused');
    expect(refused?.err?.code).toBe('aws_error');
    expect(t.logs.text).not.toContain('AKIDTEST');
  });
});
