import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack';
import { tempDbPath, TEST_BOT_TOKEN } from './helpers/test-bot';
import { TEST_SIGNING_SECRET } from './helpers/slack-sign';

const MAIN = path.resolve(__dirname, '../src/main.ts');
const REGISTER = require.resolve('@swc-node/register');

/** Runs the real process entry (src/main.ts) in a child process with exactly `env`. */
function runMain(env: Record<string, string>) {
  // An empty working directory, so no developer .env file leaks into the test.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-chatops-main-'));
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('the process entry (npm start)', () => {
  it('reports every missing setting at once, with where to get it, and exits non-zero', async () => {
    const p = runMain({ PORT: 'abc', SLACK_BOT_TOKEN: 'oops-not-a-token-SECRET123' });
    const code = await p.exited;
    expect(code).toBe(2);
    const err = p.err();
    for (const s of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'AWS_REGION', 'PORT']) expect(err).toContain(`- ${s}`);
    expect(err).toContain('OAuth & Permissions');
    expect(err).not.toContain('SECRET123');
  });

  describe('with valid settings', () => {
    let slack: FakeSlack;
    beforeAll(async () => {
      slack = await startFakeSlack();
    });
    afterAll(async () => {
      await slack.stop();
    });

    it('starts, serves /healthz, and shuts down gracefully on SIGTERM', async () => {
      const p = runMain({
        SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AWS_REGION: 'us-east-1',
        DATABASE_URL: tempDbPath(),
        PORT: '0',
        LOG_LEVEL: 'info',
      });
      const started = await waitForLine(p.out, /"msg":"ecs-chatops started"/, 20000);
      const port = JSON.parse(started).port as number;
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(p.out()).toContain('"msg":"ecs-chatops stopped"');
      expect(p.out()).not.toContain(TEST_BOT_TOKEN);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }, 30000);
  });
});

async function waitForLine(read: () => string, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = read()
      .split('\n')
      .find((l) => re.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${read()}`);
}
