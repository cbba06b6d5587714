/**
 * The route table's own rules: a route is declared once, every rule is explicit,
 * and every error the viewer answers carries a code from store/errors.ts.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { ERROR_CODES, isVerbatimError } from '../../store/errors';
import { RouteTable, type Route } from '../route-table';

const viewerDir = path.join(import.meta.dirname, '..');

it('refuses a route declared twice (the same method and pattern, whatever the parameter names)', () => {
  const a: Route = { method: 'GET', path: '/api/things/:id', summary: 'a', allow: ['session.read'], handler: () => undefined };
  const b: Route = { ...a, path: '/api/things/:other', allow: ['sessions.list'] };
  assert.throws(() => new RouteTable([a, b]), /already declared/);
});

it('tells an undeclared path (404) from an undeclared method (405, with Allow)', () => {
  const table = new RouteTable([{ method: 'GET', path: '/api/things/:id', summary: 'a', allow: ['session.read'], handler: () => undefined }]);
  assert.equal(table.find('HEAD', '/api/things/1').params.id, '1');
  assert.throws(() => table.find('GET', '/api/other'), (e) => isVerbatimError(e, 'NOT_FOUND'));
  assert.throws(() => table.find('POST', '/api/things/1'), (e) => isVerbatimError(e, 'METHOD_NOT_ALLOWED') && e.context.allow === 'GET, HEAD');
});

it('the viewer answers no error code outside store/errors.ts', async () => {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'test' && e.name !== 'ui') await walk(path.join(dir, e.name));
      else if (e.isFile() && e.name.endsWith('.ts')) files.push(path.join(dir, e.name));
    }
  };
  await walk(viewerDir);
  const adHoc: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/\bcode:\s*'([A-Z_]+)'/g)) if (!Object.hasOwn(ERROR_CODES, m[1]!)) adHoc.push(`${path.basename(file)}: ${m[1]}`);
    for (const m of text.matchAll(/error:\s*\{\s*code:/g)) adHoc.push(`${path.basename(file)}: literal error body at ${m.index}`);
  }
  assert.deepEqual(adHoc, []);
});
