/** `npm run bench`: the performance evidence for issues 3, 5 and 6 (see tools/bench/cli.ts). */
import { main } from '../tools/bench/cli.js';

process.exitCode = await main(process.argv.slice(2));
