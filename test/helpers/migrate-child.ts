/**
 * A `verbatim migrate --to` run that stops itself mid-way, for the resume test: argv is <from data dir> <to URL>
 * <page size> <pages>. After that many pages landed it prints "stopped <phase> <done>" and waits to be SIGKILLed,
 * so the kill falls between two backend writes of a real process (nothing is flushed or closed).
 */
import { loadConfig } from '../../scripts/config';
import { migrateToStore } from '../../scripts/migrate-to-store';

const [from, to, pageSize, pages] = process.argv.slice(2) as [string, string, string, string];
const config = loadConfig(['migrate', '--from', from, '--to', to, '--data', from], {});
let landed = 0;
await migrateToStore(config, {
  pageSize: Number(pageSize),
  onPage: async (phase, done) => {
    landed += 1;
    if (landed < Number(pages)) return;
    process.stdout.write(`stopped ${phase} ${done}\n`);
    await new Promise(() => undefined);
  },
});
process.stdout.write('finished\n');
