import assert from 'node:assert/strict';
import { it } from 'node:test';
import { urlPattern } from '../../url-pattern';

it('replaces record ids in paths with :id and drops the query and fragment', () => {
  assert.equal(urlPattern('https://bank.example/accounts/12345/transfer?iban=DE89#x'), 'https://bank.example/accounts/:id/transfer');
  assert.equal(urlPattern('https://bank.example/p/3f2b1c4e-1111-2222-3333-444455556666/edit'), 'https://bank.example/p/:id/edit');
  assert.equal(urlPattern('https://bank.example/iban/DE89370400440532013000'), 'https://bank.example/iban/:id');
  assert.equal(urlPattern('https://bank.example/u/ada%40example.org'), 'https://bank.example/u/:id');
  assert.equal(urlPattern('https://bank.example/transfer/new'), 'https://bank.example/transfer/new');
  assert.equal(urlPattern('https://bank.example/'), 'https://bank.example/');
  assert.equal(urlPattern('not a url'), undefined);
});
