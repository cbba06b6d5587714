/**
 * Selectors and field names inside open shadow roots (web components: lit, Shoelace), read from the node map the
 * way rrweb serialises them: a host's shadow children listed under it after its light children, marked isShadow.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clickTarget, clickText, fieldName, NodeMap, stableSelector } from '../extract/index';
import { Tree, type SNode } from './extract-fixtures';

const shadow = (node: SNode): SNode => ({ ...node, isShadow: true });

/** Two Shoelace inputs and buttons in a card, a lit list with a button, all as rrweb records them. */
function page() {
  const t = new Tree();
  const input = (hostId: string, label: string) => {
    const field = t.el('input', { id: 'input', class: 'input__control', type: 'text' });
    const host = t.el('sl-input', { id: hostId },
      shadow(t.el('div', { part: 'form-control' }, t.el('label', { for: 'input' }, t.el('slot', { name: 'label' }, label)),
        t.el('div', {}, field))));
    return { host, field };
  };
  const payee = input('payee', 'Payee');
  const reference = input('reference', 'Reference');
  const button = (attrs: Record<string, string>, text: string) => {
    const inner = t.el('button', { type: 'button' }, t.el('slot', {}));
    return { host: t.el('sl-button', attrs, text, shadow(t.el('style', {})), shadow(inner)), inner };
  };
  const send = button({ id: 'send' }, 'Send');
  const cancel = button({}, 'Cancel');
  // The card's light children: a header div and a footer div; its shadow root: one div of its own.
  const footer = t.el('div', { slot: 'footer' }, send.host, cancel.host);
  const card = t.el('sl-card', {}, t.el('div', { slot: 'header' }, 'New transfer'), payee.host, reference.host, footer,
    shadow(t.el('div', { part: 'base' }, t.el('slot', {}))));
  const show = t.el('button', { id: 'show' }, 'Show accounts');
  const list = t.el('fid-accounts', {}, shadow(t.el('style', {})), shadow(show));
  const root = t.page('Transfer', card, list).root;
  const map = new NodeMap();
  map.addTree(root, 0);
  const node = (n: SNode) => map.get(n.id)!;
  return { map, node, payee, reference, send, cancel, show };
}

it('a selector inside a shadow root goes on from its host, and counts siblings of its own tree only', () => {
  const { map, node, payee, reference, send, cancel, show } = page();
  assert.equal(stableSelector(map, node(payee.field)), '#payee >> #input');
  assert.equal(stableSelector(map, node(reference.field)), '#reference >> #input');
  assert.equal(stableSelector(map, node(show)), 'fid-accounts >> #show');
  assert.equal(stableSelector(map, clickTarget(map, node(send.inner))!), '#send >> button');
  // The footer is the card's second light div: the card's own shadow div is not counted.
  assert.equal(stableSelector(map, clickTarget(map, node(cancel.inner))!), 'sl-card > div:nth-of-type(2) > sl-button:nth-of-type(2) >> button');
});

it('a web component\'s inner button is labelled by the content its host slots in', () => {
  const { map, node, send, cancel, show } = page();
  assert.equal(clickText(map, clickTarget(map, node(cancel.inner))!), 'Cancel');
  assert.equal(clickText(map, clickTarget(map, node(send.inner))!), 'Send');
  assert.equal(clickText(map, node(show)), 'Show accounts', 'its own text first');
});

it('a field inside a shadow root is named by its own root\'s label, not by another instance\'s or by its local id', () => {
  const { map, node, payee, reference } = page();
  assert.equal(fieldName(map, node(payee.field)), 'Payee');
  assert.equal(fieldName(map, node(reference.field)), 'Reference');
});

it('nested shadow roots: a field two roots deep names both hosts; the host\'s name names the field', () => {
  const t = new Tree();
  const field = t.el('input', { id: 'input', name: 'amount' });
  const slInput = t.el('sl-input', { name: 'amount' }, shadow(t.el('div', {}, field)));
  const bare = t.el('input', { id: 'input' });
  const bareHost = t.el('x-field', { name: 'iban' }, shadow(bare));
  const form = t.el('form', { id: 'transfer' }, slInput, bareHost);
  const root = t.page('Transfer', t.el('fid-transfer', {}, shadow(form))).root;
  const map = new NodeMap();
  map.addTree(root, 0);
  assert.equal(stableSelector(map, map.get(field.id)!), 'fid-transfer >> sl-input[name="amount"] >> #input');
  assert.equal(stableSelector(map, map.get(form.id)!), 'fid-transfer >> #transfer');
  assert.equal(fieldName(map, map.get(field.id)!), 'amount');
  assert.equal(fieldName(map, map.get(bare.id)!), 'iban');
});

it('the document\'s own tree is unchanged', () => {
  const t = new Tree();
  const a = t.el('a', {}, 'Two');
  const root = t.page('P', t.el('nav', {}, t.el('a', {}, 'One'), a)).root;
  const map = new NodeMap();
  map.addTree(root, 0);
  assert.equal(stableSelector(map, map.get(a.id)!), 'nav > a:nth-of-type(2)');
});

it('an element inside an iframe\'s document goes on from the iframe, inside a shadow root too', () => {
  const t = new Tree();
  const inner = t.el('div', { class: 'inner' }, 'same-origin frame');
  const frameDoc = t.doc(t.el('html', {}, t.el('head', {}), t.el('body', {}, inner, t.el('img', {}))));
  const frame = t.el('iframe', { id: 'same' }, frameDoc);
  const deep = t.el('button', {}, 'Download');
  const deepDoc = t.doc(t.el('html', {}, t.el('body', {}, deep)));
  const statement = t.el('x-statement', {}, shadow(t.el('iframe', { name: 'pdf' }, deepDoc)));
  const root = t.page('Frames', frame, statement).root;
  const map = new NodeMap();
  map.addTree(root, 0);
  assert.equal(stableSelector(map, map.get(inner.id)!), '#same >> div');
  assert.equal(stableSelector(map, map.get(deep.id)!), 'x-statement >> iframe[name="pdf"] >> button');
});
