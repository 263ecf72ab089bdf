import {
  DescribeServicesCommand,
  ListServicesCommand,
  DescribeContainerInstancesCommand,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { bigWorld, labWorld } from '../helpers/aws-world';

// The fake world is itself test infrastructure that other tests trust: these pin its behaviour.
describe('the fake AWS world', () => {
  it('reproduces the lab: 4 × 512 MiB tasks on one 982 MiB instance leave 3 pending with an insufficient-memory event', async () => {
    const lab = labWorld();
    lab.raiseDesired(4);
    const aws = awsClientsFor(lab.world);
    const out = await aws.ecs.send(new DescribeServicesCommand({ cluster: lab.cluster, services: [lab.service] }));
    const svc = out.services![0];
    expect([svc.desiredCount, svc.runningCount, svc.pendingCount]).toEqual([4, 1, 3]);
    expect(svc.events![0].message).toMatch(
      /closest matching \(container-instance [0-9a-f]{32}\) has insufficient memory available/,
    );
    const arns = (await aws.ecs.send(new ListContainerInstancesCommand({ cluster: lab.cluster })))
      .containerInstanceArns!;
    const ci = (
      await aws.ecs.send(new DescribeContainerInstancesCommand({ cluster: lab.cluster, containerInstances: arns }))
    ).containerInstances![0];
    expect(ci.registeredResources!.find((r) => r.name === 'MEMORY')!.integerValue).toBe(982);
    expect(ci.remainingResources!.find((r) => r.name === 'MEMORY')!.integerValue).toBe(470);
  });

  it('launches instances when the Auto Scaling group grows, and places the pending tasks', async () => {
    const lab = labWorld();
    lab.raiseDesired(4);
    const aws = awsClientsFor(lab.world);
    await expect(
      aws.autoscaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: lab.asgName, DesiredCapacity: 4 }),
      ),
    ).rejects.toThrow(/max size:1/);
    await aws.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: lab.asgName, DesiredCapacity: 4, MaxSize: 4 }),
    );
    lab.world.tick();
    expect(lab.world.counts(lab.cluster, lab.service).running).toBe(1);
    lab.world.settle();
    expect(lab.world.counts(lab.cluster, lab.service)).toEqual({ desired: 4, running: 4, pending: 0 });
    expect(lab.world.instancesOf(lab.cluster)).toHaveLength(4);
  });

  it('enforces API batch limits and pages like ECS', async () => {
    const big = bigWorld(30, 5);
    const aws = awsClientsFor(big.world);
    const first = await aws.ecs.send(new ListServicesCommand({ cluster: big.cluster }));
    expect(first.serviceArns).toHaveLength(10);
    expect(first.nextToken).toBeDefined();
    await expect(
      aws.ecs.send(new DescribeServicesCommand({ cluster: big.cluster, services: first.serviceArns!.concat(['x']) })),
    ).rejects.toThrow(/at most 10/);
    expect(big.world.callsTo('DescribeServices')).toHaveLength(1);
  });

  it('derives Container Insights metrics from the state', async () => {
    const lab = labWorld();
    lab.raiseDesired(4);
    const aws = awsClientsFor(lab.world);
    const end = new Date(lab.world.now);
    const out = await aws.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(lab.world.now - 300_000),
        EndTime: end,
        MetricDataQueries: [
          {
            Id: 'p',
            MetricStat: {
              Metric: {
                Namespace: 'ECS/ContainerInsights',
                MetricName: 'PendingTaskCount',
                Dimensions: [
                  { Name: 'ClusterName', Value: lab.cluster },
                  { Name: 'ServiceName', Value: lab.service },
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(out.MetricDataResults![0].Values![0]).toBe(3);
  });
});
