/**
 * `npm run checklist`: the evidence Vipps asks for before go-live — every scenario through the
 * real HTTP routes, checklist-report.md/.json, exit code 0 only when all passed. See
 * tools/checklist/cli.ts (or `npm run checklist -- --help`).
 */
import { main } from '../tools/checklist/cli.js';

process.exitCode = await main(process.argv.slice(2));
