import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApprovalPolicy } from '../../src/approvals/policy';
import { clusterMatches, loadPolicyFile, parsePolicy } from '../../src/approvals/policy-file';
import { ConfigError, loadConfig } from '../../src/config';
import { startTestBot } from '../helpers/test-bot';
import { startFakeSlack } from '../helpers/fake-slack';

const settings = (o: Partial<ReturnType<typeof loadConfig>['policy']> = {}) => ({
  approvers: ['U0BOB', 'S0SRE'],
  requesters: [],
  allowSelfApproval: false,
  maxDesiredTasks: 50,
  maxInstances: 20,
  maxStep: 10,
  requestTtlMs: 900_000,
  ...o,
});

describe('approval policy', () => {
  const groups: Record<string, string[]> = { S0SRE: ['U0DAVE'], S0ONCALL: ['U0ALICE', 'U0ERIN'], S0PROD: ['U0FRANK'] };
  const lookups: string[] = [];
  const lookup = async (g: string) => {
    lookups.push(g);
    if (!groups[g]) throw new Error('no_such_subteam');
    return groups[g];
  };

  it('allows listed users and members of listed groups to approve, never the requester by default', async () => {
    const p = new ApprovalPolicy(settings(), undefined, lookup);
    const req = { requestedBy: 'U0ALICE', cluster: 'lab', action: 'scale-service' as const };
    expect(await p.canApprove('U0BOB', req)).toEqual({ ok: true });
    expect(await p.canApprove('U0DAVE', req)).toEqual({ ok: true });
    expect(await p.canApprove('U0MALLORY', req)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not an approver'),
    });
    expect(await p.canApprove('U0BOB', { ...req, requestedBy: 'U0BOB' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('someone else'),
    });
    const self = new ApprovalPolicy(settings({ allowSelfApproval: true }), undefined, lookup);
    expect(await self.canApprove('U0BOB', { ...req, requestedBy: 'U0BOB' })).toEqual({ ok: true });
  });

  it('caches group members for the TTL', async () => {
    lookups.length = 0;
    const p = new ApprovalPolicy(settings(), undefined, lookup, 60_000);
    await p.isIn('U0DAVE', ['S0SRE']);
    await p.isIn('U0X', ['S0SRE']);
    expect(lookups).toEqual(['S0SRE']);
  });

  it('denies every request when no approver is configured, and limits requesters when REQUESTERS is set', async () => {
    const none = new ApprovalPolicy(settings({ approvers: [] }), undefined, lookup);
    expect(await none.canRequest('U0ALICE', 'lab', 'scale-service')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('nobody may approve'),
    });
    const some = new ApprovalPolicy(settings({ requesters: ['S0ONCALL'] }), undefined, lookup);
    expect(await some.canRequest('U0ERIN', 'lab', 'scale-service')).toEqual({ ok: true });
    expect(await some.canRequest('U0MALLORY', 'lab', 'scale-service')).toMatchObject({ ok: false });
  });

  it('applies the first matching policy-file rule per cluster and action, inheriting what it does not set', async () => {
    const file = parsePolicy(
      JSON.stringify({
        rules: [
          { clusters: ['prod-*'], actions: ['scale-instances', 'container-insights'], approvers: ['S0PROD'] },
          { clusters: ['prod-*'], requesters: ['S0ONCALL'] },
          { clusters: ['sandbox'], approvers: [] },
        ],
      }),
    );
    const p = new ApprovalPolicy(settings(), file, lookup);
    expect(p.effective('prod-eu', 'scale-instances')).toMatchObject({ approvers: ['S0PROD'], requesters: [], rule: 1 });
    expect(p.effective('prod-eu', 'scale-service')).toMatchObject({
      approvers: ['U0BOB', 'S0SRE'],
      requesters: ['S0ONCALL'],
      rule: 2,
    });
    expect(p.effective('staging', 'scale-service')).toEqual({
      approvers: ['U0BOB', 'S0SRE'],
      requesters: [],
      allowSelfApproval: false,
      approvals: 1,
      bounds: { maxDesiredTasks: 50, maxInstances: 20, maxStep: 10 },
    });
    expect(
      await p.canApprove('U0BOB', { requestedBy: 'U0ALICE', cluster: 'prod-eu', action: 'scale-instances' }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('rule 1 of the policy file'),
    });
    expect(
      await p.canApprove('U0FRANK', { requestedBy: 'U0ALICE', cluster: 'prod-eu', action: 'scale-instances' }),
    ).toEqual({ ok: true });
    expect(await p.canRequest('U0MALLORY', 'prod-eu', 'scale-service')).toMatchObject({ ok: false });
    expect(await p.canRequest('U0ALICE', 'sandbox', 'scale-service')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('nobody may approve'),
    });
  });

  it('answers the questions that are not changes: cancelling a query, running the doctor, withdrawing a request', async () => {
    const file = parsePolicy(
      JSON.stringify({
        rules: [
          { clusters: ['prod-*'], actions: ['query-cancel'], approvers: ['S0PROD'] },
          { clusters: ['legacy'], approvers: [] },
          { actions: ['doctor'], approvers: ['U0FRANK'] },
        ],
      }),
    );
    const p = new ApprovalPolicy(settings(), file, lookup);
    // The starter always may; on prod-* the rule's group may and APPROVERS may not.
    expect(await p.canCancelQuery('U0ALICE', { startedBy: 'U0ALICE', cluster: 'legacy' })).toEqual({ ok: true });
    expect(await p.canCancelQuery('U0FRANK', { startedBy: 'U0ALICE', cluster: 'prod-eu' })).toEqual({ ok: true });
    expect(await p.canCancelQuery('U0BOB', { startedBy: 'U0ALICE', cluster: 'prod-eu' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('query-cancel on prod-eu (rule 1 of the policy file)'),
    });
    // A rule without actions covers query-cancel too; elsewhere APPROVERS (with its groups) decide.
    expect((await p.canCancelQuery('U0BOB', { startedBy: 'U0ALICE', cluster: 'legacy' })).ok).toBe(false);
    expect((await p.canCancelQuery('U0DAVE', { startedBy: 'U0ALICE', cluster: 'lab' })).ok).toBe(true);
    // The doctor names no cluster: cluster rules never apply to it, the cluster-less doctor rule does.
    expect((await p.canRunDoctor('U0FRANK')).ok).toBe(true);
    expect(await p.canRunDoctor('U0BOB')).toMatchObject({ ok: false, reason: expect.stringContaining('rule 3') });
    const plain = new ApprovalPolicy(settings(), undefined, lookup);
    expect((await plain.canRunDoctor('U0DAVE')).ok).toBe(true);
    expect((await plain.canRunDoctor('U0MALLORY')).ok).toBe(false);
    expect(p.canCancelRequest('U0ALICE', { requestedBy: 'U0ALICE' })).toEqual({ ok: true });
    expect(p.canCancelRequest('U0BOB', { requestedBy: 'U0ALICE' }).ok).toBe(false);
  });

  it('matches cluster patterns with * only', () => {
    expect(clusterMatches('prod-*', 'prod-eu')).toBe(true);
    expect(clusterMatches('prod-*', 'preprod-eu')).toBe(false);
    expect(clusterMatches('*', 'anything')).toBe(true);
    expect(clusterMatches('lab', 'lab2')).toBe(false);
  });
});

describe('policy file validation', () => {
  const write = (text: string) => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.json');
    fs.writeFileSync(f, text);
    return f;
  };

  it('reports every problem with its path', () => {
    const f = write(
      JSON.stringify({
        rules: [{ clusters: ['prod'], actions: ['scale-everything'], approvers: ['bob'] }, { cluster: 'x' }],
      }),
    );
    let err: ConfigError | undefined;
    try {
      loadPolicyFile(f);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = err!.message;
    expect(text).toContain('rules.0.actions.0');
    expect(text).toContain('rules.0.approvers.0 must be a Slack user (U…/W…) or user group (S…) ID');
    expect(text).toContain('rules.1');
    expect(err!.problems.every((p) => p.setting === 'POLICY_FILE')).toBe(true);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => loadPolicyFile('/nonexistent/policy.json')).toThrow(/cannot read \/nonexistent\/policy.json: ENOENT/);
    expect(() => loadPolicyFile(write('{ rules: '))).toThrow(/is not valid JSON/);
  });

  it('stops the bot at start when POLICY_FILE is invalid', async () => {
    const slack = await startFakeSlack();
    try {
      await expect(
        startTestBot({ slack, env: { APPROVERS: 'U0BOB', POLICY_FILE: write('{"rules":[{"approvers":"U0BOB"}]}') } }),
      ).rejects.toThrow(/POLICY_FILE .*rules\.0\.approvers/);
    } finally {
      await slack.stop();
    }
  });
});

describe('per-account rules and the number of approvers', () => {
  const lookup = async () => [] as string[];
  const file = parsePolicy(
    JSON.stringify({
      rules: [
        {
          accounts: ['prod'],
          approvers: ['U0BOB', 'U0CAROL'],
          requesters: ['U0ALICE'],
          approvals: 2,
          maxDesiredTasks: 4,
        },
        { approvers: ['U0DAVE'] },
      ],
    }),
  );
  const p = new ApprovalPolicy(settings(), file, lookup);

  it('matches a rule on the change request account only; without the new keys one approver and the settings bounds', async () => {
    expect(p.effective('web', 'scale-service', 'prod')).toMatchObject({
      approvers: ['U0BOB', 'U0CAROL'],
      approvals: 2,
      bounds: { maxDesiredTasks: 4, maxInstances: 20, maxStep: 10 },
      rule: 1,
    });
    // Another account, or no account (a single-account install), skips the account's rule.
    for (const account of ['staging', undefined])
      expect(p.effective('web', 'scale-service', account)).toMatchObject({
        approvers: ['U0DAVE'],
        approvals: 1,
        bounds: { maxDesiredTasks: 50 },
        rule: 2,
      });
    expect(new ApprovalPolicy(settings(), undefined, lookup).effective('web', 'scale-service')).toMatchObject({
      approvals: 1,
    });
    expect(await p.canRequest('U0ERIN', 'web', 'scale-service', 'prod')).toMatchObject({ ok: false });
    expect(await p.canRequest('U0ERIN', 'web', 'scale-service', 'staging')).toEqual({ ok: true });
    expect(
      await p.canApprove('U0DAVE', {
        requestedBy: 'U0ALICE',
        cluster: 'web',
        action: 'scale-service',
        account: 'prod',
      }),
    ).toMatchObject({ ok: false });
    expect(
      await p.canApprove('U0BOB', { requestedBy: 'U0ALICE', cluster: 'web', action: 'scale-service', account: 'prod' }),
    ).toEqual({ ok: true });
  });

  it("never counts the requester's own approval when several are needed, even with allowSelfApproval", async () => {
    const self = new ApprovalPolicy(settings({ allowSelfApproval: true }), undefined, lookup);
    const req = { requestedBy: 'U0BOB', cluster: 'web', action: 'scale-service' as const };
    expect(await self.canApprove('U0BOB', req)).toEqual({ ok: true });
    expect(await self.canApprove('U0BOB', { ...req, approvalsNeeded: 2 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('needs 2 approvers other than you'),
    });
  });

  it('names every problem of the new keys', () => {
    let err: ConfigError | undefined;
    try {
      parsePolicy(
        JSON.stringify({
          rules: [
            { accounts: [], approvals: 0 },
            { accounts: ['Prod!'], approvals: 1.5, maxStep: -1, maxInstances: 'ten' },
          ],
        }),
      );
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = err!.problems.map((x) => x.message.replace(/^POLICY_FILE: (\S+) .*$/s, '$1'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'rules.0.accounts',
        'rules.0.approvals',
        'rules.1.accounts.0',
        'rules.1.approvals',
        'rules.1.maxStep',
        'rules.1.maxInstances',
      ]),
    );
    expect(err!.message).toContain('rules.1.accounts.0 must be an account name as in AWS_ACCOUNTS');
  });
});
