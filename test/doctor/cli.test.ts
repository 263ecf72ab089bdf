import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { runDoctorCli, type DoctorClients } from '../../src/doctor/cli';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { TEST_SIGNING_SECRET } from '../helpers/slack-sign';
import { openStore } from '../../src/store';
import { tempDbPath, testEnv } from '../helpers/test-bot';
import { ALARM_CHANNEL, PUBLIC_URL, TOPIC_ARN, awsError, healthyAws, slackClient, type MockedAws } from './fixtures';

describe('npm run doctor (runDoctorCli)', () => {
  let fake: FakeSlack;
  let m: MockedAws;
  let closed: number;
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
  const clients: DoctorClients = () => ({ slack: slackClient(fake), aws: m.aws, close: () => void closed++ });

  beforeAll(async () => {
    fake = await startFakeSlack();
    fake.memberOf.add(ALARM_CHANNEL);
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    m = healthyAws();
    closed = 0;
    out.length = 0;
    err.length = 0;
  });

  /** A SQLite file as the bot leaves it: every migration applied. */
  async function botDatabase(): Promise<string> {
    const file = tempDbPath();
    await (await openStore({ kind: 'sqlite', path: file })).close();
    return file;
  }
  let db: string;
  beforeAll(async () => {
    db = await botDatabase();
  });
  const env = () => testEnv(fake, { SNS_TOPIC_ARNS: TOPIC_ARN, PUBLIC_URL, DATABASE_URL: db });

  it('prints every check, the database and alarm delivery included, and exits 0 when nothing failed', async () => {
    const code = await runDoctorCli(env(), io, clients);
    expect(code).toBe(0);
    const text = out.join('');
    expect(text.match(/^ {2}PASS /gm)).toHaveLength(15);
    expect(text).toMatch(/PASS {2}Database +SQLite \S+ answers/);
    expect(text).toMatch(/PASS {2}Database migrations/);
    expect(text).toMatch(/PASS {2}Database writes/);
    expect(text).toMatch(/PASS {2}Alarm delivery/);
    expect(text).toContain('Doctor: 0 failed, 0 warnings, 15 passed.');
    expect(err).toEqual([]);
    expect(closed).toBe(1);
  });

  it('a database missing a migration fails with the fix, and the doctor applies none itself', async () => {
    const file = await botDatabase();
    const sqlite = new Database(file);
    sqlite.prepare('DELETE FROM schema_migrations WHERE version = 8').run();
    sqlite.close();
    const code = await runDoctorCli({ ...env(), DATABASE_URL: file }, io, clients);
    expect(code).toBe(1);
    expect(out.join('')).toMatch(/FAIL {2}Database migrations +1 migration this bot needs is not applied \(8;/);
    const after = new Database(file, { readonly: true });
    try {
      expect(after.prepare('SELECT COUNT(*) AS n FROM schema_migrations WHERE version = 8').get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });

  it('no SQLite file yet: a warning that the bot creates it, and no file created', async () => {
    const file = tempDbPath();
    const code = await runDoctorCli({ ...env(), DATABASE_URL: file }, io, clients);
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/WARN {2}Database +there is no SQLite file at \S+ yet/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a PostgreSQL server that does not answer fails the database checks', async () => {
    const code = await runDoctorCli({ ...env(), DATABASE_URL: 'postgres://bot:pw@127.0.0.1:9/bot' }, io, clients);
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/FAIL {2}Database +PostgreSQL does not answer/);
    expect(text).not.toContain(':pw@');
  });

  it('exits 1 and prints the fix when a check fails', async () => {
    m.ecs.on(ListClustersCommand).rejects(awsError('AccessDeniedException'));
    const code = await runDoctorCli(env(), io, clients);
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/FAIL {2}ECS read access +ecs:ListClusters failed: AccessDeniedException/);
    expect(text).toMatch(/fix: Allow ecs:ListClusters for the bot's IAM role/);
    expect(closed).toBe(1);
  });

  it('exits 0 on warnings only', async () => {
    const code = await runDoctorCli({ ...env(), SNS_TOPIC_ARNS: '' }, io, clients);
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/WARN {2}SNS topic/);
  });

  it('exits 2 with every configuration problem at once, and checks nothing', async () => {
    let built = 0;
    const code = await runDoctorCli({ SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, PORT: 'x' }, io, () => {
      built++;
      return clients({} as any);
    });
    expect(code).toBe(2);
    const text = err.join('');
    expect(text).toContain('SLACK_BOT_TOKEN is required');
    expect(text).toContain('AWS_REGION is required');
    expect(text).toContain('PORT expected a whole number');
    expect(text).not.toContain(TEST_SIGNING_SECRET);
    expect(built).toBe(0);
    expect(out).toEqual([]);
  });
});

describe('the doctor-cli entry point', () => {
  it('runs as a process, loads config like the bot and exits 2 on an invalid configuration', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-doctor-'));
    const root = path.resolve(__dirname, '../..');
    const r = spawnSync(
      process.execPath,
      ['-r', require.resolve('@swc-node/register'), path.join(root, 'src/doctor-cli.ts')],
      {
        cwd,
        env: { PATH: process.env.PATH, SLACK_SIGNING_SECRET: 'do-not-print-me', AWS_REGION: 'eu-west-1' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('SLACK_BOT_TOKEN is required');
    expect(r.stderr).not.toContain('do-not-print-me');
    expect(r.stdout).toBe('');
  });
});
