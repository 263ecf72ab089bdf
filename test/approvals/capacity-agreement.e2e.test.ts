import { AwsWorld } from '../helpers/aws-world';
import { cardText, startHarness, type Harness } from './harness';

/**
 * A service that maps a fixed host port runs one task per instance, however much memory is free. The
 * approval card of a scale-service request and `/ecs diagnose` read the same capacity plan, so they
 * give the same "room for N more tasks" for it.
 */
function hostPortWorld() {
  const world = new AwsWorld();
  const cluster = 'PortCluster';
  const service = 'web';
  const asgName = 'PortAsg';
  world.addCluster(cluster);
  const ids = [0, 1, 2].map(() => world.addInstance(cluster, 't3.medium', { asgName }).ec2InstanceId);
  world.addAsg(asgName, { min: 3, max: 3, desired: 3, instanceType: 't3.medium', cluster, existing: ids });
  world.registerTaskDef({
    family: service,
    cpu: 256,
    memory: 512,
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    containers: [
      {
        name: 'web',
        image: 'public.ecr.aws/nginx/nginx:stable',
        essential: true,
        portMappings: [{ containerPort: 80, hostPort: 80 }],
      },
    ],
  });
  world.addService(cluster, service, `${service}:1`, 2);
  world.settle();
  return {
    world,
    cluster,
    service,
    asgName,
    raiseDesired(n: number) {
      world.updateServiceDesired(cluster, service, n);
      world.settle();
    },
  };
}

describe('capacity: the approval card and the diagnosis agree for a host-port service', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('both say room for 1 more task (host port 80), not the 19 that memory alone would allow', async () => {
    const lab = hostPortWorld();
    h = await startHarness({ lab });
    expect(lab.world.counts('PortCluster', 'web')).toEqual({ desired: 2, running: 2, pending: 0 });

    const diagnosis = JSON.stringify((await h.command('diagnose PortCluster/web')).blocks);
    expect(diagnosis).toContain('Each instance fits 1 task (host port 80); room for 1 more task');

    const id = await h.requestVia('scale service PortCluster/web 4');
    const card = cardText(await h.card(id));
    expect(card).toContain(
      "The cluster's instances have room for 1 more task of 256 CPU units / 512 MiB, host port 80 (one per instance); about 1 task will stay PENDING",
    );

    // What the world's scheduler does bears both out: one more task starts, one waits on the port.
    lab.raiseDesired(4);
    expect(lab.world.counts('PortCluster', 'web')).toEqual({ desired: 4, running: 3, pending: 1 });
  });
});
