import { AutoScalingReader } from '../../src/aws/autoscaling';
import { EcsReader } from '../../src/aws/ecs';
import { EcsMetrics, MetricsReader } from '../../src/aws/metrics';
import { diagnose } from '../../src/ecs/diagnosis';
import { gatherEvidence, type DiagnoseDeps } from '../../src/diagnose/gather';
import { NotFoundError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { labWorld, WorldError, type AwsWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';

const READ_ONLY = /^(Describe|List|Get)/;

function deps(world: AwsWorld, o: Partial<DiagnoseDeps> = {}): DiagnoseDeps {
  const aws = awsClientsFor(world);
  return {
    ecs: new EcsReader(aws.ecs),
    metrics: new EcsMetrics(new MetricsReader(aws.cloudwatch)),
    autoscaling: new AutoScalingReader(aws.autoscaling, aws.ecs),
    appautoscaling: aws.appautoscaling,
    clock: { now: () => world.now },
    config: { asgMapping: {}, policy: { maxInstances: 20, maxDesiredTasks: 50 } as DiagnoseDeps['config']['policy'] },
    log: createLogger('silent'),
    ...o,
  };
}

describe('gathering the evidence from AWS', () => {
  it('reads the lab through the adapters with read-only calls only, and the rules find insufficient memory', async () => {
    const lab = labWorld();
    lab.raiseDesired(4);
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.gaps).toEqual([]);
    expect(input.service).toMatchObject({ desired: 4, running: 1, pending: 3 });
    expect(input.instances).toHaveLength(1);
    expect(input.taskDefinition).toMatchObject({ cpu: 256, memory: 512 });
    expect(input.tasks!.filter((t) => t.lastStatus === 'PENDING')).toHaveLength(3);
    expect(input.asg).toMatchObject({ name: 'EcsLabAsg', desired: 1, max: 1, instanceType: 't3.micro' });
    expect(input.utilisation).toMatchObject({ source: 'container-insights' });
    const ops = lab.world.calls.map((c) => c.op);
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.filter((op) => !READ_ONLY.test(op))).toEqual([]);
    const d = diagnose(input);
    expect(d.recommendation!.actions[0].proposal).toMatchObject({ a: 'scale-instances', n: 4 });
  });

  it('finds the group through the capacity provider and notes managed scaling', async () => {
    const lab = labWorld({ capacityProvider: true, managedScaling: true });
    lab.raiseDesired(4);
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.asg).toMatchObject({ name: 'EcsLabAsg', foundBy: 'capacity provider', managedScaling: true });
    expect(diagnose(input).recommendation!.notes.join(' ')).toMatch(/managed scaling/);
  });

  it('turns a failing optional read into a named gap and still diagnoses', async () => {
    const lab = labWorld();
    lab.raiseDesired(4);
    lab.world.failNext('GetMetricData', () => new WorldError('AccessDeniedException', 'not allowed'));
    lab.world.failNext('DescribeAutoScalingGroups', () => new WorldError('AccessDenied', 'not allowed'));
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.gaps).toHaveLength(2);
    expect(input.gaps.join('\n')).toMatch(/^utilisation: The bot's AWS role may not call cloudwatch:GetMetricData/m);
    expect(input.gaps.join('\n')).toMatch(
      /^Auto Scaling group: The bot's AWS role may not call autoscaling:DescribeAutoScalingGroups/m,
    );
    expect(input.utilisation).toBeUndefined();
    expect(input.asg).toBeUndefined();
    const d = diagnose(input);
    expect(d.findings.find((f) => f.id === 'capacity')!.severity).toBe('critical');
    expect(d.recommendation!.summary).toMatch(/cannot tell which Auto Scaling group/);
  });

  it('says which group to map when none can be found', async () => {
    const lab = labWorld();
    lab.world.asgs.clear();
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.gaps.join(' ')).toMatch(
      /Auto Scaling group: no Auto Scaling group found for cluster "EcsLabCluster".*ASG_MAPPING/,
    );
  });

  it('uses ASG_MAPPING when nothing else names the group', async () => {
    const lab = labWorld();
    // The group no longer lists the instance (so the instance lookup finds nothing).
    lab.world.asgs.get('EcsLabAsg')!.instances = [];
    const input = await gatherEvidence(
      deps(lab.world, {
        config: {
          asgMapping: { EcsLabCluster: 'EcsLabAsg' },
          policy: { maxInstances: 20, maxDesiredTasks: 50 } as DiagnoseDeps['config']['policy'],
        },
      }),
      lab.cluster,
      lab.service,
    );
    expect(input.asg).toMatchObject({ name: 'EcsLabAsg', foundBy: 'ASG_MAPPING' });
  });

  it('Container Insights off: utilisation from AWS/ECS, and a finding that says how to enable it', async () => {
    const lab = labWorld();
    lab.world.clusters.get(lab.cluster)!.containerInsights = 'disabled';
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.utilisation?.source).toBe('aws-ecs');
    const metricCalls = lab.world
      .callsTo('GetMetricData')
      .flatMap((c) => c.input.MetricDataQueries.map((q: any) => q.MetricStat.Metric.Namespace));
    expect(new Set(metricCalls)).toEqual(new Set(['AWS/ECS']));
    const d = diagnose(input);
    expect(d.findings.find((f) => f.id === 'insights')!.detail).toContain('/ecs insights EcsLabCluster enable');
    expect(d.healthy).toBe(true);
  });

  it('tasks killed for memory: read from the stopped tasks, and the fix is memory, not instances', async () => {
    const lab = labWorld();
    for (let i = 0; i < 3; i++) {
      lab.world.addStoppedTask(lab.cluster, lab.service, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
        at: lab.world.now - (i + 1) * 60_000,
      });
    }
    const d = diagnose(await gatherEvidence(deps(lab.world), lab.cluster, lab.service));
    expect(d.findings[0]).toMatchObject({ id: 'stopped-tasks', severity: 'critical' });
    expect(d.findings[0].evidence[0]).toContain('api exit 137');
    expect(d.recommendation!.summary).toMatch(/give it more memory in a new task definition revision, e\.g\. 768 MiB/);
    expect(d.recommendation!.summary).toContain('more instances would not help');
    expect(d.recommendation!.actions).toEqual([]);
    // The kill's evidence: the container's limit from its revision, and the peak Container Insights saw.
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.memoryKill).toMatchObject({
      container: 'api',
      taskDefinition: 'EcsLabApi:1',
      containerLimit: 512,
      taskMemory: 512,
      exitCode: 137,
      kills: 3,
    });
    expect(input.memoryKill!.peakPct).toBeGreaterThan(0);
  });

  it('a memory kill whose peak CloudWatch refuses: the limit is still shown, and why the peak is missing', async () => {
    const lab = labWorld();
    for (let i = 0; i < 2; i++)
      lab.world.addStoppedTask(lab.cluster, lab.service, {
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        exitCode: 137,
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
        at: lab.world.now - (i + 1) * 60_000,
      });
    lab.world.failNext('GetMetricData', () => new WorldError('AccessDeniedException', 'not authorized'), 5);
    const input = await gatherEvidence(deps(lab.world), lab.cluster, lab.service);
    expect(input.memoryKill).toMatchObject({ containerLimit: 512, kills: 2 });
    expect(input.memoryKill!.peakPct).toBeUndefined();
    expect(input.memoryKill!.peakMissing).toMatch(/^CloudWatch: /);
    const m = diagnose(input).findings.find((f) => f.id === 'memory')!;
    expect(m.title).toBe('api was killed for running out of memory: 512 MiB limit');
    expect(m.evidence[2]).toMatch(/^Peak memory not known: CloudWatch: /);
  });

  it('an unknown cluster or service is a NotFoundError with the closest names', async () => {
    const lab = labWorld();
    await expect(gatherEvidence(deps(lab.world), 'EcsLabClustr', lab.service)).rejects.toMatchObject({
      constructor: NotFoundError,
      suggestions: ['EcsLabCluster'],
    });
    await expect(gatherEvidence(deps(lab.world), lab.cluster, 'EcsLabAp')).rejects.toMatchObject({
      constructor: NotFoundError,
      suggestions: ['EcsLabApi'],
    });
  });

  it('on Fargate reads no container instances and no Auto Scaling group', async () => {
    const lab = labWorld();
    lab.world.registerTaskDef({
      family: 'web',
      cpu: 256,
      memory: 512,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containers: [{ name: 'web', image: 'x', essential: true }],
    });
    lab.world.addService(lab.cluster, 'web', 'web:1', 2, { launchType: 'FARGATE' });
    const before = lab.world.calls.length;
    const input = await gatherEvidence(deps(lab.world), lab.cluster, 'web');
    const ops = lab.world.calls.slice(before).map((c) => c.op);
    expect(ops).not.toContain('ListContainerInstances');
    expect(ops).not.toContain('DescribeAutoScalingGroups');
    expect(input.instances).toBeUndefined();
    expect(diagnose(input).healthy).toBe(true);
  });
});
