// The newcomer's demo, run by `npm run demo` at the repository root (flags: `-- --help`).
import { demoMain } from './demo-cli.ts';

process.exitCode = await demoMain(process.argv.slice(2), process.stdout);
