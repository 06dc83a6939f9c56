// The newcomer's demo, run by `npm run demo` at the repository root (flags: `-- --help`).
import { exitQuietlyOnClosedPipe } from './closed-pipe.ts';
import { demoMain } from './demo-cli.ts';
import { interruptOnSigint } from './demo-interrupt.ts';

exitQuietlyOnClosedPipe(process.stdout, (code) => process.exit(code));
const interrupt = interruptOnSigint(process);
try {
  process.exitCode = await demoMain(
    process.argv.slice(2),
    { out: process.stdout, err: process.stderr },
    { signal: interrupt.signal },
  );
} finally {
  interrupt.release();
}
