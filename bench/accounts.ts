import { AwsOrg } from '../test/helpers/aws-org';
import type { AwsWorld } from '../test/helpers/aws-world';
import { startFakeSlack, type FakeSlack } from '../test/helpers/fake-slack';
import { sendCommand } from '../test/helpers/slack-sign';
import { startBenchBot } from './bench-bot';
import type { BenchResult, Row } from './lib';

/**
 * `/ecs status` across accounts and regions: 40 clusters spread over 3 accounts × 2 regions (the
 * bot's own account and two member accounts behind a fake STS), every AWS call — AssumeRole included
 * — taking 50 ms, beside the same 40 clusters in one account and region measured in the same run.
 * Counts the AssumeRole calls per answer: two on a cold start (one read session per member
 * account), none once the sessions are cached.
 */

const PROD = '111111111111';
const STAGING = '222222222222';
const REGIONS = ['us-east-1', 'eu-west-1'];

function addClusters(w: AwsWorld, prefix: string, n: number): void {
  for (let i = 0; i < n; i++) w.addCluster(`${prefix}-${i}`, { containerInsights: 'enabled' });
}

function multiOrg(clusters: number): AwsOrg {
  const org = new AwsOrg();
  org.addRole(PROD);
  org.addRole(STAGING);
  const worlds = [org.home, org.world(org.home.account, 'eu-west-1')];
  for (const account of [PROD, STAGING]) for (const r of REGIONS) worlds.push(org.world(account, r));
  worlds.forEach((w, i) =>
    addClusters(w, `c${i}`, Math.floor(clusters / worlds.length) + (i < clusters % worlds.length ? 1 : 0)),
  );
  return org;
}

function singleOrg(clusters: number): AwsOrg {
  const org = new AwsOrg();
  addClusters(org.home, 'c', clusters);
  return org;
}

let seq = 0;

interface Setup {
  label: string;
  org: AwsOrg;
  env: Record<string, string>;
}

async function measure(slack: FakeSlack, s: Setup, latencyMs: number, runs: number): Promise<Row[]> {
  const b = await startBenchBot(slack, {
    awsSeams: s.org.seams(),
    aws: s.org.makeClients('us-east-1'),
    clock: s.org.clock,
    env: s.env,
  });
  const ask = async () => {
    const assumesBefore = s.org.assumeRoleCalls.length;
    const callsBefore = s.org.calls.length;
    const id = `accounts-bench-${++seq}`; // unique across bots: the fake Slack keeps every answer
    const started = performance.now();
    const res = await sendCommand(b.url, { text: 'status', response_url: slack.responseUrl(id) });
    if (res.status !== 200) throw new Error(`status command answered HTTP ${res.status}`);
    const answer = await slack.waitFor(() => slack.responsesTo(id)[0], 60_000, 'the status answer');
    const ms = performance.now() - started;
    const text = JSON.stringify(answer.body);
    if (!text.includes('ECS clusters') || text.includes('Not answered'))
      throw new Error(`the status answer is incomplete: ${text.slice(0, 300)}`);
    return { ms, assumes: s.org.assumeRoleCalls.length - assumesBefore, calls: s.org.calls.length - callsBefore };
  };
  try {
    s.org.latencyMs = latencyMs;
    const cold = await ask();
    const warm: { ms: number; assumes: number; calls: number }[] = [];
    for (let i = 0; i < runs; i++) warm.push(await ask());
    warm.sort((a, b) => a.ms - b.ms);
    const row = (what: string, r: { ms: number; assumes: number; calls: number }, worst?: number): Row => ({
      estate: s.label,
      'AWS latency': `${latencyMs} ms/call`,
      answer: what,
      'AWS calls': r.calls,
      AssumeRole: r.assumes,
      'answer ms (median)': Math.round(r.ms),
      'answer ms (worst)': Math.round(worst ?? r.ms),
    });
    return [row('cold (first)', cold), row(`warm (${runs} runs)`, warm[Math.floor(warm.length / 2)], warm.at(-1)!.ms)];
  } finally {
    await b.stop();
  }
}

export async function benchAccounts(
  o: { runs?: number; latencyMs?: number; clusters?: number } = {},
): Promise<BenchResult> {
  const runs = o.runs ?? 5;
  const latencyMs = o.latencyMs ?? 50;
  const clusters = o.clusters ?? 40;
  const slack = await startFakeSlack();
  const rows: Row[] = [];
  try {
    for (const latency of [0, latencyMs]) {
      rows.push(
        ...(await measure(slack, { label: '1 account × 1 region', org: singleOrg(clusters), env: {} }, latency, runs)),
      );
      const org = multiOrg(clusters);
      rows.push(
        ...(await measure(
          slack,
          {
            label: '3 accounts × 2 regions',
            org,
            env: {
              AWS_ACCOUNTS: `prod=${org.roleArn(PROD)},staging=${org.roleArn(STAGING)}`,
              AWS_REGIONS: REGIONS.join(','),
            },
          },
          latency,
          runs,
        )),
      );
    }
  } finally {
    await slack.stop();
  }
  return {
    title: `Status across accounts (/ecs status, ${clusters} clusters; ${runs} warm runs each)`,
    rows,
    notes: [
      'The 1 account × 1 region rows are the baseline: the same clusters, the same command, in the same run.',
      'The 0 ms rows are the bot’s own work (parsing, rendering) without AWS latency.',
      'AssumeRole counts the STS calls of that answer: one read session per member account on a cold start, none once cached.',
      'Target: under 2 s at 50 ms per AWS call over 3 accounts × 2 regions.',
    ],
  };
}
