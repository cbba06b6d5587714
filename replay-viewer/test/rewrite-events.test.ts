import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordedEvent } from '../../store/records';
import { rewriteEvents } from '../replay/rewrite-events';

const SID = 'q2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = 1_712_000_000_000;
const A = (ts: number, abs: string): string => `/archive/${SID}/${ts}/${abs}`;
const PAGE = 'https://bank.example/accounts/overview?tab=1';

/** A FullSnapshot as rrweb 2 serializes it (ids, node types, _cssText, isStyle, rootId, shadow hosts). */
function fullSnapshot(ts: number): RecordedEvent {
  return {
    type: 2,
    timestamp: ts,
    data: {
      initialOffset: { top: 0, left: 0 },
      node: {
        type: 0, id: 1, childNodes: [
          { type: 1, id: 2, name: 'html', publicId: '', systemId: '' },
          { type: 2, id: 3, tagName: 'html', attributes: { lang: 'en' }, childNodes: [
            { type: 2, id: 4, tagName: 'head', attributes: {}, childNodes: [
              { type: 2, id: 5, tagName: 'base', attributes: { href: 'https://bank.example/' }, childNodes: [] },
              { type: 2, id: 6, tagName: 'meta', attributes: { 'http-equiv': 'refresh', content: '300;url=https://bank.example/logout' }, childNodes: [] },
              { type: 2, id: 7, tagName: 'link', attributes: {
                rel: 'stylesheet', href: 'https://bank.example/static/site.css',
                _cssText: 'body { background: url("https://bank.example/static/bg.png"); }@font-face { font-family: Bank; src: url("fonts/bank.woff2"); }',
              }, childNodes: [] },
              { type: 2, id: 8, tagName: 'link', attributes: { rel: 'icon', href: '/favicon.ico' }, childNodes: [] },
              { type: 2, id: 9, tagName: 'style', attributes: {}, childNodes: [
                { type: 3, id: 10, textContent: '.logo { background-image: url("/img/logo.svg"); }', isStyle: true },
              ] },
            ] },
            { type: 2, id: 11, tagName: 'body', attributes: { style: 'background-image: url(/img/body.png)' }, childNodes: [
              { type: 2, id: 12, tagName: 'img', attributes: { src: 'https://bank.example/img/card.png', srcset: '/img/card.png 1x, /img/card@2x.png 2x', alt: 'Card' }, childNodes: [] },
              { type: 2, id: 13, tagName: 'a', attributes: { href: 'https://bank.example/transfer' }, childNodes: [
                { type: 3, id: 14, textContent: 'Transfer' },
              ] },
              { type: 2, id: 15, tagName: 'svg', attributes: { viewBox: '0 0 10 10' }, isSVG: true, childNodes: [
                { type: 2, id: 16, tagName: 'use', attributes: { href: 'https://bank.example/sprite.svg#icon-lock' }, isSVG: true, childNodes: [] },
                { type: 2, id: 17, tagName: 'use', attributes: { 'xlink:href': '#local-icon' }, isSVG: true, childNodes: [] },
                { type: 2, id: 18, tagName: 'image', attributes: { href: 'https://bank.example/img/chart.png' }, isSVG: true, childNodes: [] },
                { type: 2, id: 19, tagName: 'a', attributes: { href: 'https://bank.example/help' }, isSVG: true, childNodes: [] },
              ] },
              { type: 2, id: 20, tagName: 'video', attributes: { poster: '/media/poster.jpg', src: '/media/intro.mp4', rr_mediaState: 'paused', rr_mediaCurrentTime: 0 }, childNodes: [] },
              { type: 2, id: 21, tagName: 'object', attributes: { data: '/docs/terms.pdf', type: 'application/pdf' }, childNodes: [] },
              { type: 2, id: 22, tagName: 'table', attributes: { background: '/img/table.gif' }, childNodes: [] },
              { type: 2, id: 23, tagName: 'img', attributes: { src: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' }, childNodes: [] },
              { type: 2, id: 24, tagName: 'iframe', attributes: { id: 'statement' }, childNodes: [
                { type: 0, id: 25, rootId: 25, childNodes: [
                  { type: 2, id: 26, rootId: 25, tagName: 'html', attributes: {}, childNodes: [
                    { type: 2, id: 27, rootId: 25, tagName: 'body', attributes: {}, childNodes: [
                      { type: 2, id: 28, rootId: 25, tagName: 'img', attributes: { src: 'https://static.bank.example/stmt.png' }, childNodes: [] },
                    ] },
                  ] },
                ] },
              ] },
              { type: 2, id: 29, tagName: 'bank-card', attributes: {}, isShadowHost: true, isCustom: true, childNodes: [
                { type: 2, id: 30, tagName: 'style', attributes: { _cssText: ':host { background: url("https://bank.example/img/shadow.png"); }' }, isShadow: true, childNodes: [] },
                { type: 2, id: 31, tagName: 'img', attributes: { src: 'https://bank.example/img/chip.png' }, isShadow: true, childNodes: [] },
              ] },
              { type: 2, id: 32, tagName: 'script', attributes: { src: 'javascript:void(0)' }, childNodes: [] },
            ] },
          ] },
        ],
      },
    },
  };
}

function elementById(node: any, id: number): any {
  if (node.id === id) return node;
  for (const child of node.childNodes ?? []) {
    const hit = elementById(child, id);
    if (hit) return hit;
  }
  return undefined;
}

test('FullSnapshot: resources rewritten, links/fragments/data left alone, <base> and meta refresh defused', () => {
  const ts = T0 + 5;
  const events: RecordedEvent[] = [
    { type: 4, timestamp: T0, data: { href: PAGE, width: 1280, height: 800 } },
    fullSnapshot(ts),
  ];
  const before = JSON.stringify(events);
  const [, snap] = rewriteEvents(events, { sessionId: SID });
  assert.equal(JSON.stringify(events), before, 'input untouched');
  const root = (snap!.data as any).node;
  const attrs = (id: number): Record<string, unknown> => elementById(root, id).attributes;

  assert.equal(attrs(5).href, undefined, '<base href> dropped');
  assert.equal(attrs(6).content, undefined, 'meta refresh target dropped');
  assert.equal(attrs(7).href, A(ts, 'https://bank.example/static/site.css'));
  assert.equal(
    attrs(7)._cssText,
    `body { background: url("${A(ts, 'https://bank.example/static/bg.png')}"); }@font-face { font-family: Bank; src: url("${A(ts, 'https://bank.example/static/fonts/bank.woff2')}"); }`,
    '_cssText resolved against the stylesheet URL',
  );
  assert.equal(attrs(8).href, A(ts, 'https://bank.example/favicon.ico'));
  assert.equal(elementById(root, 10).textContent, `.logo { background-image: url("${A(ts, 'https://bank.example/img/logo.svg')}"); }`);
  assert.equal(attrs(11).style, `background-image: url("${A(ts, 'https://bank.example/img/body.png')}")`);
  assert.equal(attrs(12).src, A(ts, 'https://bank.example/img/card.png'));
  assert.equal(attrs(12).srcset, `${A(ts, 'https://bank.example/img/card.png')} 1x, ${A(ts, 'https://bank.example/img/card@2x.png')} 2x`);
  assert.equal(attrs(12).alt, 'Card');
  assert.equal(attrs(13).href, 'https://bank.example/transfer', '<a href> kept');
  assert.equal(attrs(16).href, A(ts, 'https://bank.example/sprite.svg') + '#icon-lock', 'fragment kept');
  assert.equal(attrs(17)['xlink:href'], '#local-icon');
  assert.equal(attrs(18).href, A(ts, 'https://bank.example/img/chart.png'));
  assert.equal(attrs(19).href, 'https://bank.example/help', 'SVG <a> kept');
  assert.equal(attrs(20).poster, A(ts, 'https://bank.example/media/poster.jpg'));
  assert.equal(attrs(20).src, A(ts, 'https://bank.example/media/intro.mp4'));
  assert.equal(attrs(20).rr_mediaCurrentTime, 0);
  assert.equal(attrs(21).data, A(ts, 'https://bank.example/docs/terms.pdf'));
  assert.equal(attrs(22).background, A(ts, 'https://bank.example/img/table.gif'));
  assert.equal(attrs(23).src, 'data:image/gif;base64,R0lGODlhAQABAAAAACw=');
  assert.equal(attrs(28).src, A(ts, 'https://static.bank.example/stmt.png'), 'iframe child document');
  assert.equal(attrs(30)._cssText, `:host { background: url("${A(ts, 'https://bank.example/img/shadow.png')}"); }`, 'shadow root style');
  assert.equal(attrs(31).src, A(ts, 'https://bank.example/img/chip.png'), 'shadow root img');
  assert.equal(attrs(32).src, undefined, 'a script element keeps no src');
});

test('IncrementalSnapshot: mutations, style rules, declarations, adopted sheets, fonts, canvas; each with its own timestamp', () => {
  const t = (n: number): number => T0 + n;
  const events: RecordedEvent[] = [
    { type: 4, timestamp: t(0), data: { href: PAGE, width: 1280, height: 800 } },
    fullSnapshot(t(1)),
    { type: 3, timestamp: t(100), data: {
      source: 0,
      texts: [{ id: 10, value: '.logo { background: url(/img/logo-v2.svg) }' }, { id: 14, value: 'url(/not/css)' }],
      attributes: [
        { id: 12, attributes: { src: '/img/card-gold.png', srcset: null } },
        { id: 11, attributes: { style: { 'background-image': 'url("/img/night.png")', color: ['red', 'important'], display: false } } },
        { id: 13, attributes: { href: '/logout' } },
        { id: 7, attributes: { _cssText: '.x { background: url(x.png) }' } },
        { id: 5, attributes: { href: 'https://evil.example/' } },
      ],
      removes: [{ parentId: 11, id: 23 }],
      adds: [
        { parentId: 11, nextId: null, node: { type: 2, id: 40, tagName: 'img', attributes: { src: 'promo.png' }, childNodes: [] } },
        { parentId: 11, nextId: 40, node: { type: 2, id: 41, tagName: 'style', attributes: {}, childNodes: [] } },
        { parentId: 41, nextId: null, node: { type: 3, id: 42, textContent: '.p { background: url(p.png) }', isStyle: true } },
      ],
    } },
    { type: 3, timestamp: t(101), data: { source: 0, texts: [{ id: 42, value: '.p { background: url(p2.png) }' }], attributes: [], removes: [], adds: [] } },
    { type: 3, timestamp: t(200), data: { source: 8, id: 9, adds: [{ rule: '.r { background: url("/r.png") }', index: 1 }], removes: [{ index: 0 }] } },
    { type: 3, timestamp: t(201), data: { source: 8, styleId: 1, replaceSync: '.s { background: url(/s.png) }' } },
    { type: 3, timestamp: t(300), data: { source: 13, id: 9, index: [0], set: { property: 'background-image', value: 'url(/d.png)', priority: '' } } },
    { type: 3, timestamp: t(400), data: { source: 15, id: 29, styleIds: [1], styles: [{ styleId: 1, rules: [{ rule: ':host { background: url(/a.png) }' }] }] } },
    { type: 3, timestamp: t(500), data: { source: 10, family: 'Bank', fontSource: 'url("/fonts/f.woff2")', buffer: false } },
    { type: 3, timestamp: t(501), data: { source: 10, family: 'Inline', fontSource: '[0,1,2]', buffer: true } },
    { type: 3, timestamp: t(600), data: { source: 9, id: 50, type: 0, commands: [{ property: 'drawImage', args: [{ rr_type: 'HTMLImageElement', src: 'https://bank.example/img/sig.png' }, 0, 0] }] } },
    { type: 3, timestamp: t(700), data: { source: 1, positions: [{ x: 1, y: 2, id: 12, timeOffset: 0 }] } },
  ];
  const out = rewriteEvents(events, { sessionId: SID }).map((e) => e.data as any);

  const m = out[2];
  assert.equal(m.texts[0].value, `.logo { background: url("${A(t(100), 'https://bank.example/img/logo-v2.svg')}") }`);
  assert.equal(m.texts[1].value, 'url(/not/css)', 'ordinary text node untouched');
  assert.equal(m.attributes[0].attributes.src, A(t(100), 'https://bank.example/img/card-gold.png'));
  assert.equal(m.attributes[0].attributes.srcset, null);
  assert.deepEqual(m.attributes[1].attributes.style, {
    'background-image': `url("${A(t(100), 'https://bank.example/img/night.png')}")`, color: ['red', 'important'], display: false,
  });
  assert.equal(m.attributes[2].attributes.href, '/logout', '<a href> mutation untouched');
  assert.equal(m.attributes[3].attributes._cssText, `.x { background: url("${A(t(100), 'https://bank.example/static/x.png')}") }`, 'link _cssText relative to its href');
  assert.equal(m.attributes[4].attributes.href, null, '<base href> mutation removes it');
  assert.equal(m.adds[0].node.attributes.src, A(t(100), 'https://bank.example/accounts/promo.png'));
  assert.equal(m.adds[2].node.textContent, `.p { background: url("${A(t(100), 'https://bank.example/accounts/p.png')}") }`);
  assert.equal(out[3].texts[0].value, `.p { background: url("${A(t(101), 'https://bank.example/accounts/p2.png')}") }`, 'added style text tracked');
  assert.equal(out[4].adds[0].rule, `.r { background: url("${A(t(200), 'https://bank.example/r.png')}") }`);
  assert.deepEqual(out[4].removes, [{ index: 0 }]);
  assert.equal(out[5].replaceSync, `.s { background: url("${A(t(201), 'https://bank.example/s.png')}") }`);
  assert.equal(out[6].set.value, `url("${A(t(300), 'https://bank.example/d.png')}")`);
  assert.equal(out[7].styles[0].rules[0].rule, `:host { background: url("${A(t(400), 'https://bank.example/a.png')}") }`);
  assert.equal(out[8].fontSource, `url("${A(t(500), 'https://bank.example/fonts/f.woff2')}")`);
  assert.equal(out[9].fontSource, '[0,1,2]');
  assert.equal(out[10].commands[0].args[0].src, A(t(600), 'https://bank.example/img/sig.png'));
  assert.deepEqual(out[11], events[11]!.data);
});

test('relative URLs follow the latest Meta href; ids reset with each FullSnapshot', () => {
  const events: RecordedEvent[] = [
    { type: 4, timestamp: T0, data: { href: 'https://bank.example/a/page1', width: 800, height: 600 } },
    { type: 2, timestamp: T0 + 1, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
      { type: 2, id: 2, tagName: 'style', attributes: {}, childNodes: [{ type: 3, id: 3, textContent: '', isStyle: true }] },
    ] } } },
    { type: 4, timestamp: T0 + 1000, data: { href: 'https://other.example/b/page2', width: 800, height: 600 } },
    { type: 2, timestamp: T0 + 1001, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
      { type: 2, id: 2, tagName: 'img', attributes: { src: 'pic.png' }, childNodes: [] },
      { type: 2, id: 3, tagName: 'p', attributes: {}, childNodes: [] },
    ] } } },
    { type: 3, timestamp: T0 + 1002, data: { source: 0, texts: [{ id: 3, value: 'url(x)' }], attributes: [], removes: [], adds: [] } },
  ];
  const out = rewriteEvents(events, { sessionId: SID }) as any[];
  assert.equal(out[3].data.node.childNodes[0].attributes.src, A(T0 + 1001, 'https://other.example/b/pic.png'));
  assert.equal(out[4].data.texts[0].value, 'url(x)', 'id 3 is no longer a style text after the new snapshot');
});

test('pageUrl option is the base before any Meta event; unresolvable relatives are left alone', () => {
  const snap = (ts: number): RecordedEvent => ({ type: 3, timestamp: ts, data: { source: 0, texts: [], attributes: [], removes: [], adds: [
    { parentId: 1, nextId: null, node: { type: 2, id: 9, tagName: 'img', attributes: { src: 'a.png' }, childNodes: [] } },
  ] } });
  const withBase = rewriteEvents([snap(T0)], { sessionId: SID, pageUrl: 'https://bank.example/x/' }) as any[];
  assert.equal(withBase[0].data.adds[0].node.attributes.src, A(T0, 'https://bank.example/x/a.png'));
  const noBase = rewriteEvents([snap(T0)], { sessionId: SID }) as any[];
  assert.equal(noBase[0].data.adds[0].node.attributes.src, 'a.png');
});

test('recorded markup is neutralised: on* handlers, javascript: URLs, http-equiv, srcdoc, <base>, script elements', () => {
  const hostile = { type: 2, timestamp: T0 + 1, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
    { type: 2, id: 2, tagName: 'img', attributes: { src: 'a.png', onerror: 'alert(1)', ONLOAD: 'x()', alt: 'kept' }, childNodes: [] },
    { type: 2, id: 3, tagName: 'a', attributes: { href: ' java\tscript:alert(1)' }, childNodes: [] },
    { type: 2, id: 4, tagName: 'iframe', attributes: { srcdoc: '<script src="/archive/x/1/https://evil.example/x.js"></script>', src: 'JavaScript:alert(1)' }, childNodes: [] },
    { type: 2, id: 5, tagName: 'meta', attributes: { 'http-equiv': 'Refresh', content: '0;url=https://evil.example/' }, childNodes: [] },
    { type: 2, id: 6, tagName: 'base', attributes: { href: 'https://evil.example/' }, childNodes: [] },
    { type: 2, id: 7, tagName: 'SCRIPT', attributes: { src: 'https://evil.example/x.js' }, childNodes: [] },
    { type: 2, id: 8, tagName: 'script', isSVG: true, attributes: { 'xlink:href': 'https://evil.example/x.js' }, childNodes: [] },
    { type: 2, id: 9, tagName: 'set', isSVG: true, attributes: { attributeName: 'href', to: 'javascript:alert(1)' }, childNodes: [] },
    { type: 2, id: 10, tagName: 'form', attributes: { action: 'vbscript:x' }, childNodes: [] },
  ] } } } as RecordedEvent;
  const mutation = { type: 3, timestamp: T0 + 2, data: { source: 0, texts: [], removes: [], adds: [], attributes: [
    { id: 2, attributes: { onclick: 'steal()', src: 'b.png' } },
    { id: 3, attributes: { href: 'javascript:void(0)' } },
    { id: 4, attributes: { srcdoc: '<b>x</b>' } },
    { id: 5, attributes: { 'http-equiv': 'refresh' } },
    { id: 6, attributes: { href: 'https://evil.example/' } },
  ] } } as RecordedEvent;
  const [snap, mut] = rewriteEvents([hostile, mutation], { sessionId: SID, pageUrl: PAGE }) as any[];
  const node = (id: number): any => snap.data.node.childNodes.find((n: any) => n.id === id);
  assert.deepEqual(node(2).attributes, { src: A(T0 + 1, 'https://bank.example/accounts/a.png'), alt: 'kept' });
  assert.equal(node(3).attributes.href, 'about:blank#blocked');
  assert.deepEqual(node(4).attributes, { src: 'about:blank#blocked' });
  assert.deepEqual(node(5).attributes, {});
  assert.deepEqual(node(6).attributes, {});
  assert.equal(node(7).tagName, 'script', 'rrweb rebuilds exactly `script` as <noscript>');
  assert.deepEqual(node(7).attributes, {});
  assert.deepEqual(node(8).attributes, {});
  assert.equal(node(9).attributes.to, 'about:blank#blocked');
  assert.equal(node(10).attributes.action, 'about:blank#blocked');
  const changes = mut.data.attributes.map((c: any) => c.attributes);
  assert.deepEqual(changes[0], { onclick: null, src: A(T0 + 2, 'https://bank.example/accounts/b.png') });
  assert.equal(changes[1].href, 'about:blank#blocked');
  assert.deepEqual(changes[2], { srcdoc: null });
  assert.deepEqual(changes[3], { 'http-equiv': null });
  assert.deepEqual(changes[4], { href: null });
});
