import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startFakeSlack } from '../test/helpers/fake-slack';
import type { BenchResult, Row } from './lib';
import { accepted, prepareSnsLoad } from './sns-load';
import { makeSigningKeys, type TrafficPlan } from './sns-traffic';

interface MemReading {
  usage: NodeJS.MemoryUsage;
  depth: number;
}

/** Talks to the bot process over IPC: one request, the first answer of the expected type. */
function ask<T>(child: ChildProcess, msg: object, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${type}" from the bot process`)), timeoutMs);
    const on = (m: { type: string; message?: string }) => {
      if (m.type === 'error') {
        clearTimeout(t);
        child.off('message', on);
        reject(new Error(m.message));
      } else if (m.type === type) {
        clearTimeout(t);
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    if (Object.keys(msg).length) child.send(msg);
  });
}

const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

/**
 * Memory: the bot runs alone in a child process (--expose-gc); RSS and heap are read after a forced
 * full GC at idle and after every 25,000 of 100,000 signed SNS notifications (1,000 distinct alarms),
 * so a leak shows as growth from one reading to the next rather than as one number.
 */
export async function benchMemory(o: { total?: number; step?: number; alarms?: number } = {}): Promise<BenchResult> {
  const total = o.total ?? 100_000;
  const step = o.step ?? 25_000;
  const keys = await makeSigningKeys();
  const slack = await startFakeSlack();
  const child = fork(path.join(__dirname, 'memory-child.ts'), [], {
    execArgv: ['--expose-gc', '-r', '@swc-node/register'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const rows: Row[] = [];
  const plan: TrafficPlan = { count: total, alarms: o.alarms ?? 1000, baseAt: Date.now() - 1800_000, prefix: 'mem' };
  const read = async (phase: string, sent: number, ok: number) => {
    const m = await ask<MemReading>(child, { cmd: 'mem' }, 'mem');
    rows.push({
      phase,
      'notifications sent': sent,
      'accepted (200)': ok,
      'RSS MiB': mib(m.usage.rss),
      'heap used MiB': mib(m.usage.heapUsed),
      'external MiB': mib(m.usage.external),
      'outbox depth': m.depth,
    });
    return m.usage.rss;
  };
  try {
    await ask(child, {}, 'ready');
    const { url } = await ask<{ url: string }>(
      child,
      { cmd: 'start', slackUrl: slack.url, certPem: keys.certPem },
      'started',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await read('idle', 0, 0);
    let ok = 0;
    const after: number[] = [];
    for (let from = 0; from < total; from += step) {
      const load = await prepareSnsLoad({
        url: `${url}/sns`,
        keyPem: keys.keyPem,
        plan,
        from,
        count: Math.min(step, total - from),
        connections: 20,
        presign: false,
      });
      ok += accepted(await load.go());
      after.push(await read(`after ${from + step}`, from + step, ok));
    }
    const growth = after.length > 1 ? (after[after.length - 1] - after[0]) / ((total - step) / 10_000) : 0;
    return {
      title: `Memory (bot process alone, RSS after forced GC; ${total.toLocaleString('en')} notifications, ${plan.alarms} alarms)`,
      rows,
      notes: [
        `Idle RSS ${mib(idle)} MiB (the baseline); after ${total.toLocaleString('en')} notifications ${mib(after[after.length - 1])} MiB; growth after the first ${step.toLocaleString('en')}: ${mib(growth)} MiB per 10,000 notifications.`,
        'State lives in SQLite, not in the heap; in-memory caches are bounded LRUs (parsed signing keys, refused certificate URLs, per-channel pacing, prepared statements).',
      ],
    };
  } finally {
    await ask(child, { cmd: 'stop' }, 'stopped', 30_000).catch(() => child.kill('SIGKILL'));
    await slack.stop();
  }
}
