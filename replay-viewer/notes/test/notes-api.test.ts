/**
 * Notes on a session through the viewer's API, against a real LevelDB store with a keyring and the real access layer:
 * who may read, add, edit and delete (agents only on customer-linked sessions; authors their own; compliance deletes
 * any), input refused with a coded 4xx, CSRF and cross-site checks, every read and change audited without the text,
 * card numbers masked before they are kept, nothing of a note readable on disk, holds keep notes, erasure removes them.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_POLICY, Masker } from '../../../proxy/masking/index';
import { openStore } from '../../../store/index';
import type { LevelStore } from '../../../store/level/level-store';
import { AccountStore, AuditLog, ViewerAccess } from '../../auth/index';
import { startViewer, type Viewer } from '../../server';
import type { ApiNote } from '../notes-routes';

const LINKED = 'n2hx7k4m5n6p7r8s9t2v3w4x5y';
const ANON = 'n3hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = 1_700_000_000_000;
const PASSWORD = 'notes test password';
const CARD = '4111 1111 1111 1111';
const USERS = [['agnes', 'agent'], ['ana', 'analyst'], ['andy', 'analyst'], ['cora', 'compliance'], ['root', 'admin'], ['audra', 'auditor']] as const;
type User = (typeof USERS)[number][0];

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let audit: AuditLog;
const clients = new Map<User, { cookie: string; csrf: string }>();

async function call(method: string, url: string, user?: User, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { ...extra };
  const c = user && clients.get(user);
  if (c) { headers.cookie = c.cookie; headers['x-verbatim-csrf'] = c.csrf; }
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  return fetch(viewer.url + url, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
}

const notesUrl = (sid: string) => `/api/sessions/${sid}/notes`;
async function add(user: User, sid: string, text: string, at = T0 + 500, extra: Record<string, unknown> = {}): Promise<Response> {
  return call('POST', notesUrl(sid), user, { text, at, ...extra });
}
async function errorOf(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-notes-'));
  const keysDir = path.join(dir, 'keys');
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  for (const id of [LINKED, ANON]) {
    await store.createSession({ id, channel: 'proxy', startedAt: T0 });
    await store.appendEvents({ sessionId: id, page: { id: 'p1', url: 'https://bank.example/' }, seq: 0, receivedAt: T0 + 2_000,
      events: [{ type: 4, timestamp: T0 + 1, data: { href: 'https://bank.example/', width: 800, height: 600 } }, { type: 3, timestamp: T0 + 1_000, data: { source: 0 } }] });
  }
  await store.linkCustomer({ sessionId: LINKED, customerId: 'C-77', source: 'test', at: T0 });
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const [name, role] of USERS) await accounts.add(name, role, PASSWORD);
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  const masker = new Masker(DEFAULT_POLICY);
  viewer = await startViewer({
    store, uiDir: path.join(dir, 'ui'), access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }),
    notes: { mask: (s) => masker.text(s) },
  });
  for (const [name] of USERS) {
    const res = await call('POST', '/auth/login', undefined, { username: name, password: PASSWORD });
    assert.equal(res.status, 200);
    clients.set(name, { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf });
  }
});

after(async () => {
  await viewer?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('notes on a session (API)', () => {
  it('lets whoever may replay read and add notes, agents on customer-linked sessions only', async () => {
    const created = await add('ana', LINKED, `Customer read out their card ${CARD} on the phone`, T0 + 400, { pageId: 'p1', track: 0 });
    assert.equal(created.status, 201);
    const { note } = (await created.json()) as { note: ApiNote };
    assert.equal(note.author, 'ana');
    assert.equal(note.at, T0 + 400);
    assert.equal(note.pageId, 'p1');
    assert.equal(note.text, 'Customer read out their card •••• •••• •••• •••• on the phone', 'the card number is masked before it is kept');
    assert.deepEqual([note.canEdit, note.canDelete], [true, true]);
    assert.equal((await add('agnes', LINKED, 'Agent: called back', T0 + 900)).status, 201);
    const listed = (await (await call('GET', notesUrl(LINKED), 'agnes')).json()) as { notes: ApiNote[] };
    assert.deepEqual(listed.notes.map((n) => [n.author, n.at, n.canEdit, n.canDelete]), [['ana', T0 + 400, false, false], ['agnes', T0 + 900, true, true]]);
    const byCora = (await (await call('GET', notesUrl(LINKED), 'cora')).json()) as { notes: ApiNote[] };
    assert.deepEqual(byCora.notes.map((n) => [n.canEdit, n.canDelete]), [[false, true], [false, true]], 'compliance may delete any note, edit none');
    // Agents: not on a session without a customer. Administrators and auditors: no replay, no notes.
    assert.deepEqual(await errorOf(await call('GET', notesUrl(ANON), 'agnes')), [403, 'FORBIDDEN']);
    assert.deepEqual(await errorOf(await add('agnes', ANON, 'x')), [403, 'FORBIDDEN']);
    for (const user of ['root', 'audra'] as const) {
      assert.equal((await call('GET', notesUrl(LINKED), user)).status, 403, `${user} reads no notes`);
      assert.equal((await add(user, LINKED, 'x')).status, 403, `${user} adds no notes`);
    }
    assert.equal((await call('GET', notesUrl(LINKED))).status, 401);
    assert.equal((await add('andy', ANON, 'analysts may note any session')).status, 201);
  });

  it('lets authors edit and delete their own notes, compliance delete any, nobody else', async () => {
    const { note } = (await (await add('ana', ANON, 'first words', T0 + 100)).json()) as { note: ApiNote };
    const url = `${notesUrl(ANON)}/${note.id}`;
    assert.deepEqual(await errorOf(await call('PATCH', url, 'andy', { text: 'not mine' })), [403, 'FORBIDDEN']);
    assert.deepEqual(await errorOf(await call('PATCH', url, 'cora', { text: 'not mine either' })), [403, 'FORBIDDEN']);
    const edited = await call('PATCH', url, 'ana', { text: '  better words \r\n second line ' });
    assert.equal(edited.status, 200);
    const after = ((await edited.json()) as { note: ApiNote }).note;
    assert.deepEqual([after.text, after.at, after.createdAt], ['better words \n second line', T0 + 100, note.createdAt]);
    assert.ok(after.updatedAt! >= note.createdAt);
    assert.deepEqual(await errorOf(await call('DELETE', url, 'andy')), [403, 'FORBIDDEN']);
    assert.equal((await call('DELETE', url, 'cora')).status, 200);
    assert.deepEqual(await errorOf(await call('DELETE', url, 'cora')), [404, 'NOT_FOUND']);
    const own = ((await (await add('andy', ANON, 'mine to delete')).json()) as { note: ApiNote }).note;
    assert.equal((await call('DELETE', `${notesUrl(ANON)}/${own.id}`, 'andy')).status, 200);
    assert.ok(!(await store.listNotes(ANON)).some((n) => n.id === note.id || n.id === own.id));
  });

  it('refuses bad input with a coded 4xx and keeps nothing of it', async () => {
    const before = (await store.listNotes(LINKED)).length;
    const cases: [unknown, string][] = [
      [{ text: '   ', at: T0 }, 'empty text'],
      [{ text: 'x'.repeat(2_001), at: T0 }, 'too long'],
      [{ text: 42, at: T0 }, 'text not a string'],
      [{ text: 'hi\u0000there', at: T0 }, 'control characters'],
      [{ text: 'ok' }, 'no moment'],
      [{ text: 'ok', at: T0 - 3_600_000 }, 'a moment long before the session'],
      [{ text: 'ok', at: '1700000000000' }, 'moment as a string'],
      [{ text: 'ok', at: T0, pageId: 'p-unknown' }, 'page of another session'],
      [{ text: 'ok', at: T0, track: -1 }, 'negative tab'],
      ['{"text": "ok", "at": ', 'broken JSON'],
    ];
    for (const [body, why] of cases) {
      const res = await call('POST', notesUrl(LINKED), 'ana', body);
      assert.equal(res.status, 400, why);
      assert.ok(['BAD_REQUEST', 'PAYLOAD_INVALID'].includes((await errorOf(res))[1]), why);
    }
    assert.deepEqual(await errorOf(await call('PATCH', `${notesUrl(LINKED)}/bad%20id!`, 'ana', { text: 'x' })), [400, 'BAD_REQUEST']);
    assert.deepEqual(await errorOf(await call('POST', notesUrl('zz-unknown-session-id-000001'), 'ana', { text: 'x', at: T0 })), [404, 'SESSION_UNKNOWN']);
    // No CSRF token; another site's page.
    const c = clients.get('ana')!;
    const noToken = await fetch(viewer.url + notesUrl(LINKED), { method: 'POST', headers: { cookie: c.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'csrf', at: T0 }) });
    assert.deepEqual(await errorOf(noToken), [403, 'CSRF']);
    assert.deepEqual(await errorOf(await call('POST', notesUrl(LINKED), 'ana', { text: 'x', at: T0 }, { 'sec-fetch-site': 'cross-site' })), [403, 'CSRF']);
    assert.equal((await add('ana', LINKED, 'a valid one', T0)).status, 201);
    const notes = await store.listNotes(LINKED);
    assert.equal(notes.length, before + 1, 'only the one valid note was kept');
    assert.ok(!notes.some((n) => n.text === 'x' || n.text === 'csrf'));
  });

  it('audits every read and change with the note id and length, never the text; nothing of a note is readable on disk', async () => {
    const entries = await audit.query({});
    const of = (action: string) => entries.filter((e) => e.action === action);
    assert.ok(of('note-read').filter((e) => e.outcome === 'ok').length >= 2);
    assert.ok(of('note-read').some((e) => e.outcome === 'denied' && e.actor === 'agnes' && e.target === ANON), 'the refused agent read is on the record');
    const added = of('note-add').filter((e) => e.outcome === 'ok');
    assert.ok(added.length >= 5);
    assert.ok(added.every((e) => typeof e.details?.note === 'string' && typeof e.details?.length === 'number' && typeof e.details?.at === 'number'));
    assert.ok(of('note-edit').some((e) => e.outcome === 'ok' && e.actor === 'ana'));
    assert.ok(of('note-edit').some((e) => e.outcome === 'failed' && e.actor === 'andy' && e.details?.error === 'FORBIDDEN'));
    assert.ok(of('note-delete').some((e) => e.outcome === 'ok' && e.actor === 'cora' && e.details?.author === 'ana'), 'a moderator\'s delete names whose note it was');
    const trail = await readFile(path.join(dir, 'audit.log'), 'utf8');
    for (const secret of ['read out their card', 'better words', 'called back', '1111 1111']) assert.ok(!trail.includes(secret), `the audit trail holds "${secret}"`);
    for (const file of await filesUnder(path.join(dir, 'store'))) {
      const bytes = await readFile(file);
      for (const secret of ['read out their card', 'Agent: called back', '4111111111111111', '1111 1111 1111']) {
        assert.equal(bytes.includes(secret), false, `${path.basename(file)} holds "${secret}" in clear`);
      }
    }
  });

  it('keeps notes under a legal hold and removes them when the session is erased', async () => {
    const [kept] = await store.listNotes(LINKED);
    await store.setHold({ customerId: 'C-77' }, 'dispute');
    assert.deepEqual(await errorOf(await call('DELETE', `${notesUrl(LINKED)}/${kept!.id}`, 'cora')), [409, 'LEGAL_HOLD']);
    assert.deepEqual(await errorOf(await call('PATCH', `${notesUrl(LINKED)}/${kept!.id}`, 'ana', { text: 'rewrite' })), [409, 'LEGAL_HOLD']);
    assert.equal((await add('cora', LINKED, 'added during the hold')).status, 201);
    await store.releaseHold({ customerId: 'C-77' });
    await store.eraseSession(LINKED, { reason: 'customer request' });
    assert.deepEqual(await store.listNotes(LINKED), []);
    assert.deepEqual(await errorOf(await call('GET', notesUrl(LINKED), 'ana')), [404, 'SESSION_UNKNOWN']);
  });
});

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    const full = path.join(root, e.name);
    if (e.isDirectory()) out.push(...await filesUnder(full));
    else out.push(full);
  }
  return out;
}
