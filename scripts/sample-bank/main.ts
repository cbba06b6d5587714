/**
 * Runs the sample bank by itself for manual browsing:
 *   npx tsx scripts/sample-bank/main.ts [port] [version]
 */
import { startSampleBank } from './server';

const port = Number(process.argv[2] ?? 0);
const version = process.argv[3] === '2' ? 2 : 1;
const bank = await startSampleBank({ port, version });
process.stdout.write(`sample bank (version ${version}) at ${bank.url}\n`);
