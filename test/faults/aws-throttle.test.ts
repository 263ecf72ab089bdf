import type { ECSClient } from '@aws-sdk/client-ecs';
import { createAwsClients } from '../../src/aws/clients';
import { EcsReader } from '../../src/aws/ecs';
import { AwsError } from '../../src/errors';
import { jsonError, localRequestHandler, TEST_CREDENTIALS, type LocalAnswer } from '../ops/local-aws';

/**
 * The SDK's own retry middleware, proven with the clients the bot builds in production
 * (createAwsClients: standard mode, 4 attempts) whose requests are answered on this machine.
 * aws-sdk-client-mock would bypass that middleware, so a request handler stands in for the network.
 * Time is jest's fake clock; the jitter is pinned (Math.random → 1) so each back-off is its maximum.
 */
function productionEcs(answer: () => LocalAnswer) {
  const ecs = createAwsClients('us-east-1').ecs;
  const attemptsAt: number[] = [];
  // Swap in a local handler and static credentials after construction: everything else — retry
  // strategy, max attempts, middleware — is exactly what the bot runs with.
  const config = ecs.config as unknown as { requestHandler: unknown; credentials: unknown };
  config.credentials = async () => TEST_CREDENTIALS;
  config.requestHandler = localRequestHandler(() => {
    attemptsAt.push(Date.now());
    return answer();
  });
  return { ecs: ecs as ECSClient, attemptsAt };
}

/** Runs `p` while moving jest's fake clock forward in 100 ms steps (bounded), as the SDK's back-off sleeps. */
async function settle<T>(p: Promise<T>, maxMs = 60_000): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const out: { value?: T; error?: unknown } = {};
  p.then(
    (v) => {
      out.value = v;
      done = true;
    },
    (e) => {
      out.error = e;
      done = true;
    },
  );
  for (let t = 0; t < maxMs && !done; t += 100) await jest.advanceTimersByTimeAsync(100);
  if (!done) throw new Error(`still running after ${maxMs} ms of fake time`);
  return out;
}

const gaps = (at: number[]) => at.slice(1).map((t, i) => t - at[i]);

describe('AWS throttling and timeouts, through the SDK retry middleware the bot uses', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 10, 28, 3, 0, 0), doNotFake: ['nextTick', 'queueMicrotask'] });
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('retries ThrottlingException 4 times in all with doubling back-off, then fails with a message an on-call engineer can act on', async () => {
    const { ecs, attemptsAt } = productionEcs(() => jsonError('ThrottlingException', 'Rate exceeded'));
    const r = await settle(new EcsReader(ecs).listClusterNames());
    expect(attemptsAt).toHaveLength(4);
    // Throttling back-off: base 1 s doubled per retry — 1 s, 2 s, 4 s with the jitter pinned at its maximum.
    expect(gaps(attemptsAt)).toEqual([999, 1999, 3999]);
    expect(r.error).toBeInstanceOf(AwsError);
    const err = r.error as AwsError;
    expect(err.operation).toBe('ecs:ListClusters');
    expect(err.message).toBe(
      'AWS is throttling ecs:ListClusters right now, even after retries. Try again in a minute. (AWS request req-4)',
    );
  });

  it('succeeds once the throttling stops, without surfacing the earlier refusals', async () => {
    let n = 0;
    const { ecs, attemptsAt } = productionEcs(() =>
      ++n <= 2
        ? jsonError('ThrottlingException', 'Rate exceeded')
        : { status: 200, body: JSON.stringify({ clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/prod'] }) },
    );
    const r = await settle(new EcsReader(ecs).listClusterNames());
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual(['prod']);
    expect(attemptsAt).toHaveLength(3);
  });

  it('retries a timeout as a transient failure and then says it timed out', async () => {
    const { ecs, attemptsAt } = productionEcs(() => {
      throw Object.assign(new Error('socket timed out after 3000 ms'), { name: 'TimeoutError' });
    });
    const r = await settle(new EcsReader(ecs).listClusterNames());
    expect(attemptsAt).toHaveLength(4);
    expect(r.error).toBeInstanceOf(AwsError);
    expect((r.error as AwsError).message).toMatch(
      /^ecs:ListClusters timed out talking to AWS\. Try again; if it persists, check the region and network\./,
    );
  });

  it('does not retry a refusal that retrying cannot fix (AccessDenied) and names the permission', async () => {
    const { ecs, attemptsAt } = productionEcs(() =>
      jsonError('AccessDeniedException', 'not authorized to perform ecs:ListClusters'),
    );
    const r = await settle(new EcsReader(ecs).listClusterNames());
    expect(attemptsAt).toHaveLength(1);
    expect((r.error as AwsError).message).toContain(
      "The bot's AWS role may not call ecs:ListClusters (AccessDeniedException)",
    );
  });
});
