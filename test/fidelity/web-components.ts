/**
 * Fidelity cases built with real web-component libraries from npm, served by the
 * fidelity site the way a real site serves them: each page's script is an ES module
 * bundled by esbuild from the installed packages (`lit`, `@shoelace-style/shoelace`).
 *
 * - /wc-lit: a lit list whose items share one `static styles` constructed sheet.
 *   The customer shows the list (fetched after the snapshot), filters it down to one
 *   item and clears the filter: the other items are re-created with new shadow roots
 *   that adopt a sheet already adopted elsewhere, first described on an item that is
 *   gone since.
 *   Rules use shorthands with var() partly overridden by a longhand, in the
 *   constructed sheets, in a document <style> and in a linked stylesheet.
 * - /wc-shoelace: a Shoelace form (alert, card, input, button, dialog). sl-alert's
 *   styles are such a var() shorthand rule; the customer types into an sl-input
 *   (an input inside a shadow root) and opens the dialog.
 *
 * Kept apart from site.ts (which only routes here) so that other cases can be added
 * there without touching these.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';
import type { Page } from 'playwright';
import { SHADOW_FORM_JS } from './shadow-form';

const root = path.resolve(import.meta.dirname, '../..');

type Version = 1 | 2;
interface Palette { bg: string; fg: string; accent: string; box: string }
interface Reply { status?: number; type: string; body: string | Buffer; headers?: Record<string, string> }

/** The shape of fidelity.test.ts's Case. */
export interface WebComponentCase {
  name: string;
  path: string;
  act?: (page: Page) => Promise<void>;
  after: 'change' | 'delete';
  maxDiff?: number;
  why?: string;
}

const ACCOUNTS = [
  { name: 'Current account', amount: '1,204.50' },
  { name: 'Savings', amount: '12,000.00' },
  { name: 'Mortgage', amount: '-180,310.00' },
  { name: 'Credit card', amount: '-312.75' },
  { name: 'Pension', amount: '48,930.10' },
  { name: 'Insurance', amount: '0.00' },
];

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

const LIT_LIST_JS = `
import { LitElement, html, css } from 'lit';
import { repeat } from 'lit/directives/repeat.js';

// One CSSResult shared by every row: lit adopts the same CSSStyleSheet into each shadow root.
const rowStyles = css\`
  :host { display: block; margin: 6px 0; }
  .row {
    border: var(--row-border-w) solid var(--row-border-c);
    border-top-width: 8px;
    border-radius: 6px;
    padding: 8px 12px;
    width: 460px;
    background: var(--row-bg);
    color: var(--row-fg);
    font: 20px/1.2 sans-serif;
  }
  .amount { float: right; font-weight: bold; }
\`;

class FidAccount extends LitElement {
  static styles = rowStyles;
  static properties = { name: {}, amount: {} };
  render() {
    return html\`<div class="row"><span>\${this.name}</span><span class="amount">\${this.amount}</span></div>\`;
  }
}
customElements.define('fid-account', FidAccount);

class FidAccounts extends LitElement {
  static styles = css\`
    :host { display: block; }
    input {
      font: 20px sans-serif; padding: 6px; width: 300px; margin-bottom: 8px;
      border: var(--row-border-w) solid var(--row-border-c);
      border-left-width: 14px;
    }
    button { font: 18px sans-serif; padding: 6px 14px; }
    .count { font: 16px sans-serif; margin: 8px 0 0; }
  \`;
  static properties = { filter: { state: true }, accounts: { state: true } };
  constructor() {
    super();
    this.filter = '';
    this.accounts = null;
  }
  async load() {
    this.accounts = await (await fetch('/wc/accounts.json')).json();
    await this.updateComplete;
    document.body.dataset.loaded = 'true';
  }
  render() {
    // The rows (and so every shadow root that adopts the shared sheet) come after the snapshot.
    if (!this.accounts) return html\`<button id="show" @click=\${() => this.load()}>Show accounts</button>\`;
    const q = this.filter.toLowerCase();
    const shown = this.accounts.filter((a) => a.name.toLowerCase().includes(q));
    return html\`<input id="filter" placeholder="Filter accounts" .value=\${this.filter}
        @input=\${(e) => { this.filter = e.target.value; }}>
      \${repeat(shown, (a) => a.name, (a) => html\`<fid-account .name=\${a.name} .amount=\${a.amount}></fid-account>\`)}
      <p class="count">\${shown.length} of \${this.accounts.length} accounts</p>\`;
  }
}
customElements.define('fid-accounts', FidAccounts);

customElements.whenDefined('fid-accounts').then(async () => {
  await document.querySelector('fid-accounts').updateComplete;
  document.body.dataset.ready = 'true';
});
`;

const SHOELACE_JS = `
import { setBasePath } from '@shoelace-style/shoelace/dist/utilities/base-path.js';
import '@shoelace-style/shoelace/dist/components/alert/alert.js';
import '@shoelace-style/shoelace/dist/components/button/button.js';
import '@shoelace-style/shoelace/dist/components/card/card.js';
import '@shoelace-style/shoelace/dist/components/dialog/dialog.js';
import '@shoelace-style/shoelace/dist/components/input/input.js';

setBasePath('/wc/shoelace/');
const dialog = document.getElementById('confirm');
document.getElementById('send').addEventListener('click', () => dialog.show());
dialog.addEventListener('sl-after-show', () => { document.body.dataset.dialog = 'shown'; });
const tags = ['sl-alert', 'sl-button', 'sl-card', 'sl-dialog', 'sl-input'];
Promise.all(tags.map((t) => customElements.whenDefined(t))).then(async () => {
  await Promise.all([...document.querySelectorAll(tags.join(','))].map((el) => el.updateComplete));
  document.body.dataset.ready = 'true';
});
`;

/** Bundled once per test run (both versions share the scripts; the versioned look is in theme CSS). */
let bundles: Record<string, string> | undefined;
let shoelaceLight = '';

export async function prepareWebComponents(): Promise<void> {
  if (bundles) return;
  const bundle = async (contents: string): Promise<string> => {
    const out = await build({
      stdin: { contents, resolveDir: root, loader: 'js', sourcefile: 'page.js' },
      bundle: true, format: 'esm', minify: true, write: false, target: 'chrome100', logLevel: 'warning',
    });
    return out.outputFiles[0]!.text;
  };
  const [lit, shoelace, light, shadowForm] = await Promise.all([
    bundle(LIT_LIST_JS),
    bundle(SHOELACE_JS),
    readFile(path.join(root, 'node_modules/@shoelace-style/shoelace/dist/themes/light.css'), 'utf8'),
    bundle(SHADOW_FORM_JS),
  ]);
  bundles = { '/wc/lit-list.js': lit, '/wc/shoelace-form.js': shoelace, '/wc/shadow-form.js': shadowForm };
  shoelaceLight = light;
}

function page(title: string, head: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;
}

const BASE = '<link rel="stylesheet" href="/base.css">';

export function webComponentPage(pathname: string): Reply | undefined {
  switch (pathname) {
    case '/wc-lit':
      return {
        type: HTML,
        body: page('lit list', `${BASE}<link rel="stylesheet" href="/wc/theme.css">
<style>.banner{border:var(--row-border-w) dashed var(--row-border-c);border-bottom-width:10px;padding:6px 12px;width:440px;font:18px sans-serif}</style>
<script type="module" src="/wc/lit-list.js"></script>`,
        `<h1>lit list re-rendered after a filter</h1><div class="banner">Your accounts</div><fid-accounts></fid-accounts><div class="note">Balances as of today</div>`),
      };
    case '/wc-shoelace':
      return {
        type: HTML,
        body: page('Shoelace form', `${BASE}<link rel="stylesheet" href="/wc/shoelace/themes/light.css"><link rel="stylesheet" href="/wc/theme.css">
<script type="module" src="/wc/shoelace-form.js"></script>`,
        `<h1>Shoelace form</h1>
<sl-alert variant="warning" open><strong>Heads up:</strong> transfers after 6 pm leave tomorrow.</sl-alert>
<sl-card class="transfer"><div slot="header">New transfer</div>
<sl-input id="payee" label="Payee" placeholder="Name"></sl-input>
<sl-input id="reference" label="Reference" placeholder="Optional"></sl-input>
<div slot="footer"><sl-button id="send" variant="primary">Send</sl-button> <sl-button>Cancel</sl-button></div></sl-card>
<sl-dialog id="confirm" label="Confirm transfer">Send the transfer now?<sl-button slot="footer" variant="primary">Confirm</sl-button></sl-dialog>`),
      };
    case '/wc-form':
      return {
        type: HTML,
        body: page('Transfer in a shadow root', `${BASE}<link rel="stylesheet" href="/wc/shoelace/themes/light.css">
<script type="module" src="/wc/shadow-form.js"></script>`, '<h1>Transfer (a form inside a shadow root)</h1><fid-transfer></fid-transfer>'),
      };
  }
  return undefined;
}

export function webComponentAsset(pathname: string, v: Version, p: Palette): Reply | undefined {
  if (bundles?.[pathname]) return { type: JS, body: bundles[pathname]! };
  switch (pathname) {
    case '/wc/shoelace/themes/light.css': return { type: CSS, body: shoelaceLight };
    case '/wc/accounts.json': return { type: 'application/json', body: JSON.stringify(v === 1 ? ACCOUNTS : ACCOUNTS.map((a) => ({ ...a, amount: '0.01' }))) };
    case '/wc/theme.css': return {
      type: CSS,
      body: `:root{--row-border-w:${v === 1 ? 3 : 1}px;--row-border-c:${p.accent};--row-bg:${p.box};--row-fg:#fff;
--sl-color-primary-600:${p.accent};--sl-color-warning-600:${p.box};--sl-panel-background-color:${v === 1 ? '#fffdf5' : '#333'}}
sl-alert{width:520px;margin-bottom:12px}sl-card.transfer{width:520px}sl-input{margin-bottom:12px}
.note{border:var(--row-border-w) dotted var(--row-border-c);border-left-width:16px;padding:6px 12px;width:440px;margin-top:12px;font:16px sans-serif}`,
    };
  }
  return undefined;
}

/** Blurs whatever has focus, inside shadow roots too (a caret would differ between live and replay). */
async function blurAll(page: Page): Promise<void> {
  await page.evaluate(() => {
    let el = document.activeElement as HTMLElement | null;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement as HTMLElement;
    el?.blur();
  });
}

export const WEB_COMPONENT_CASES: WebComponentCase[] = [
  {
    name: 'lit list re-rendered after a filter (shared static styles, var() shorthands)', path: '/wc-lit', after: 'change',
    act: async (page) => {
      const rows = (n: number) => page.waitForFunction((n) => document.querySelector('fid-accounts')?.shadowRoot?.querySelectorAll('fid-account').length === n, n);
      await page.click('fid-accounts >> #show');
      await page.waitForSelector('body[data-loaded="true"]');
      await rows(6);
      await page.waitForTimeout(300);
      await page.fill('fid-accounts >> #filter', 'sav');
      await rows(1);
      await page.waitForTimeout(300);
      await page.fill('fid-accounts >> #filter', '');
      await rows(6);
      await blurAll(page);
      await page.mouse.move(1200, 780);
      await page.waitForTimeout(300);
    },
  },
  {
    name: 'Shoelace form: alert, card, input typed into, button, dialog', path: '/wc-shoelace', after: 'change',
    // Measured 0.12 %: the top pixel row (1,264 px) only. The player draws the replay frame a third of a
    // pixel low (replay-viewer/ui/player.ts snapToPixels), so row 0 is half the frame's white background;
    // every case shows it, but only here does the page's top row (the dialog's dark overlay) make it count.
    maxDiff: 0.0015,
    why: 'row 0 blended by the player (sub-pixel frame offset), under the dialog overlay',
    act: async (page) => {
      await page.fill('#payee >> input', 'Ada Lovelace');
      await page.fill('#reference >> input', 'Rent March');
      await blurAll(page);
      await page.click('#send');
      await page.waitForSelector('body[data-dialog="shown"]');
      await blurAll(page);
      await page.mouse.move(1200, 780);
      await page.waitForTimeout(300);
    },
  },
];
