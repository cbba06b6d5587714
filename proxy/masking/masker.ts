/**
 * The masker's public face: one object per policy with one method per kind of data
 * that reaches disk. The ingest pipeline calls these before any write; each is pure
 * (apart from the event masker's per-page state) and never throws.
 *
 *   url(u)                 page, capture, WebSocket and referrer URLs
 *   text(s)                any other string (titles, header values without a known shape)
 *   header(name, value)    one response header value; headers(list) all of them
 *   value(v)               any JSON-like value: every string and key (page context, custom data)
 *   pageContext(ctx)       the recorder's page context, every field (source.utm* included)
 *   body(input)            a request or response body: bytes + content type + content encoding
 *   webSocketText(t, cut)  a text message (JSON is masked as JSON)
 *   webSocketBinary(b, cut) a binary message or close frame
 *   events(s, p, evts, raw) rrweb events of one upload (mask-events.ts)
 *
 * Strings get the detectors (detectors.ts: every encoding) and the field rule: a
 * `name=value` pair (query string, fragment, cookie, form-like text) whose name is a
 * sensitive field (password, pin, cvv, card number, the policy's `fields`) has its value
 * masked whole. Both are deterministic, so a URL masked in the events still matches
 * the same URL masked as a capture key.
 */
import type { PageContext, RecordedEvent } from '../../store/records';
import { maskBodyBytes, maskPlain, type BodyInput, type MaskOutcome } from './body-masking';
import { deepMask } from './deep-mask';
import { MASK_CHAR, maskText } from './detectors';
import { EventMasker } from './mask-events';
import { kindOf, maskByKind, maskFields } from './mask-values';
import { isSensitiveField, type MaskingPolicy } from './policy';

/** Headers whose whole value is a credential. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'x-auth-token']);

export interface WebSocketPayload {
  data: Buffer;
  masked: boolean;
}

export class Masker {
  readonly eventMasker: EventMasker;

  constructor(readonly policy: MaskingPolicy) {
    this.eventMasker = new EventMasker(policy);
  }

  text(s: string): string {
    return maskFields(this.policy, maskText(s, this.policy.detectors, { base64: true }));
  }

  url(u: string): string {
    return this.text(u);
  }

  header(name: string, value: string): string {
    const n = name.toLowerCase();
    if (CREDENTIAL_HEADERS.has(n) || isSensitiveField(this.policy, n)) return value.replace(/\S/gu, MASK_CHAR);
    return this.text(value);
  }

  headers(list: [string, string][]): [string, string][] {
    let changed = false;
    const out = list.map(([n, v]) => {
      const m = this.header(n, v);
      if (m !== v) changed = true;
      return [n, m] as [string, string];
    });
    return changed ? out : list;
  }

  value<T>(v: T): T {
    return deepMask(v, (s) => this.text(s)) as T;
  }

  pageContext(ctx: PageContext): PageContext {
    return this.value(ctx);
  }

  body(input: BodyInput): Promise<MaskOutcome> {
    return maskBodyBytes(this.policy, input);
  }

  webSocketText(text: string, truncated = false): string {
    return maskFields(this.policy, maskByKind(this.policy, kindOf('', text), text, MASK_CHAR, { openEnd: truncated, base64: true }));
  }

  webSocketBinary(payload: Buffer, truncated = false): WebSocketPayload {
    const masked = maskPlain(this.policy, payload, '', truncated);
    return masked ? { data: masked, masked: true } : { data: payload, masked: false };
  }

  events(sessionId: string, pageId: string, events: RecordedEvent[], rawBody?: string): RecordedEvent[] {
    return this.eventMasker.maskEvents(sessionId, pageId, events, rawBody);
  }
}
