import { LevelStore } from './store/level-store.ts';
const store = new LevelStore('/tmp/vscratch/db'); await store.open();
const b = await store.readEvents('demosess1onabcdefghijk2345');
const ev = b.flatMap(x => x.events);
const t0 = ev[0].timestamp;
for (const e of ev) console.log(e.timestamp - t0, e.type, (e.data as any)?.source ?? '', (e.data as any)?.href ?? '', JSON.stringify(e.data).length);
const caps = await store.listCaptures('demosess1onabcdefghijk2345');
for (const c of caps) if (/font|\.ttf|woff/.test(c.url)) console.log(c.url, c.status, c.headers, c.body);
await store.close();
