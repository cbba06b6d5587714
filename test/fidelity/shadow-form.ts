/**
 * A transfer form rendered by a lit component inside its open shadow root, as design-system banks build them: a
 * form-associated Shoelace field (sl-input, its own <input> inside a second shadow root), a plain input and a
 * submit button. Not a pixel case (fidelity.test.ts does not list it): the analytics views' end-to-end test
 * (test/e2e/analytics-fidelity-site.test.ts) fills it and leaves. Bundled with the other web-component pages.
 */
export const SHADOW_FORM_JS = `
import { LitElement, html, css } from 'lit';
import '@shoelace-style/shoelace/dist/components/input/input.js';

class FidTransfer extends LitElement {
  static styles = css\`
    :host { display: block; width: 460px; }
    form { display: grid; gap: 12px; padding: 16px; border: 2px solid #1d2b53; }
    label { display: grid; gap: 4px; font: 16px sans-serif; }
    input { font: 18px sans-serif; padding: 6px; }
    button { font: 18px sans-serif; padding: 8px 16px; justify-self: start; }
  \`;
  static properties = { sent: { state: true } };
  constructor() {
    super();
    this.sent = false;
  }
  render() {
    if (this.sent) return html\`<p id="sent">Transfer sent</p>\`;
    return html\`<form id="transfer" @submit=\${(e) => { e.preventDefault(); this.sent = true; }}>
      <sl-input name="amount" label="Amount" inputmode="decimal"></sl-input>
      <label>IBAN <input name="iban" autocomplete="off"></label>
      <button id="send" type="submit">Send</button>
    </form>\`;
  }
}
customElements.define('fid-transfer', FidTransfer);
Promise.all(['fid-transfer', 'sl-input'].map((t) => customElements.whenDefined(t))).then(async () => {
  const form = document.querySelector('fid-transfer');
  await form.updateComplete;
  await form.shadowRoot.querySelector('sl-input').updateComplete;
  document.body.dataset.ready = 'true';
});
`;
