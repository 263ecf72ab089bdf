import 'dotenv/config';
import { runDoctorCli } from './doctor/cli';

/** Entry of `npm run doctor` (node dist/doctor-cli.js): checks the setup and exits non-zero on any failure. */
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
runDoctorCli(process.env, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), color }).then(
  (code) => {
    // Open keep-alive sockets must not hold the process; exit once the output is flushed.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`ecs-chatops doctor crashed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
