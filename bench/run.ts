import { benchAccounts } from './accounts';
import { benchAck, statusCommand } from './ack';
import { benchLogs } from './logs';
import { benchMemory } from './memory';
import { benchSns } from './sns';
import { benchSqs } from './sqs';
import { benchStatus } from './status';
import { benchStorm } from './storm';
import { machine, printTable, type BenchResult } from './lib';

// The benchmarks run on Node 20 like the tests (the bot supports 20 and 22): the SDK's upgrade notice
// would repeat in every table's output, and in every child process (they inherit this).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** `npm run bench [name…]`: runs the benchmarks (all by default) and prints one table each. */
const BENCHES: Record<string, () => Promise<BenchResult>> = {
  ack: () => benchAck({ commands: [statusCommand()] }),
  sns: () => benchSns({ connections: Number(process.env.CONNS ?? 50) }),
  sqs: () => benchSqs({ connections: Number(process.env.CONNS ?? 50) }),
  storm: () => benchStorm(),
  status: () => benchStatus(),
  accounts: () => benchAccounts(),
  logs: () => benchLogs(),
  memory: () => benchMemory(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  console.log(`# ecs-chatops benchmarks — ${machine()} — ${new Date().toISOString()}`);
  for (const n of names) {
    const b = BENCHES[n];
    if (!b) throw new Error(`unknown benchmark ${n}; known: ${Object.keys(BENCHES).join(', ')}`);
    printTable(await b());
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
