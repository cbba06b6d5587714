/**
 * Server-side masking of rrweb events, so a modified recorder cannot bypass the
 * policy: input values of password/sensitive/policy-masked fields, text inside
 * policy-masked or -blocked elements, and anything the detectors find in any
 * string of any event (text nodes, attributes, input values, URLs, custom events,
 * object keys too). What the customer types (form field values, and text inside a
 * `contenteditable` element) is *typed text*: every run of 7+ digits is masked
 * whatever Luhn says, since each keystroke is recorded and a card being typed is not
 * yet Luhn-valid (detectors.ts). Node ids are per page, so the tracker keeps what it
 * learnt per session page.
 */
import type { RecordedEvent } from '../../store/records';
import { deepMask } from './deep-mask';
import { findSecrets, maskText, maskTyped, maskWhole } from './detectors';
import { maskFields } from './mask-values';
import { isSensitiveField, type MaskingPolicy } from './policy';
import { compileSelectors, matchesAny, type Attributes } from './selectors';
import { TOKEN_ATTRIBUTE } from '../../recorder/protocol';
import { EventType, NodeType, Source } from '../../recorder/rrweb-wire';

const FORM_TAGS = new Set(['input', 'textarea', 'select']);
const MAX_PAGES = 5_000;

interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Attributes;
  childNodes?: SerializedNode[];
  textContent?: string;
}

interface PageState {
  /** Form fields whose value is masked whole. */
  secretFields: Set<number>;
  /** Every form field seen: an input event for an unknown id is masked whole (fail closed). */
  fields: Set<number>;
  /** Nodes inside a masked or blocked element: their text is masked whole. */
  maskedNodes: Set<number>;
  /** Elements that are contenteditable and the nodes inside them: their text is typed text. */
  editable: Set<number>;
  /** An element became editable after its children were seen: every text change is typed text from then on. */
  lateEditable: boolean;
}

/** contenteditable="" / "true" / "plaintext-only" (anything but "false"). */
function isEditable(attrs: Attributes): boolean {
  const v = attrs.contenteditable;
  return v !== undefined && v !== null && String(v).toLowerCase() !== 'false';
}

export class EventMasker {
  private readonly pages = new Map<string, PageState>();
  private readonly maskCompounds;
  private readonly privacyCompounds = compileSelectors(['.verbatim-mask', '[data-verbatim-mask]', '.verbatim-block', '[data-verbatim-block]']);

  private readonly typed: (s: string) => string;

  /** Every string goes through the detectors and the field rule (as Masker.text). */
  private readonly text: (s: string) => string;

  constructor(private readonly policy: MaskingPolicy) {
    this.text = (s) => maskFields(policy, maskText(s, policy.detectors, { base64: true }));
    this.maskCompounds = compileSelectors([...policy.maskSelectors, ...policy.blockSelectors]);
    this.typed = (s) => maskTyped(s, policy.detectors);
  }

  /** Masks the events of one upload (returns new event objects; the input is not modified). */
  maskEvents(sessionId: string, pageId: string, events: RecordedEvent[], rawBody?: string): RecordedEvent[] {
    const state = this.state(`${sessionId}/${pageId}`);
    // The raw body read as text finds whatever the detectors would find in its strings (the
    // detectors undo JSON escapes themselves), so a clean body skips the walk over every string.
    // Timestamps and node ids are numbers, never masked: leave them out of the probe.
    const probe = rawBody?.replace(/"(timestamp|id|parentId|nextId|time)":\d+/g, '');
    const detect = probe === undefined || findSecrets(probe, this.policy.detectors, { base64: true }).length > 0 || /\d{13}/.test(probe) || this.policy.sensitivePairProbe.test(probe);
    return events.map((event) => {
      const structural = this.maskStructure(state, event);
      return detect ? (deepMask(structural, this.text) as RecordedEvent) : structural;
    });
  }

  private state(key: string): PageState {
    let s = this.pages.get(key);
    if (!s) {
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
      s = { secretFields: new Set(), fields: new Set(), maskedNodes: new Set(), editable: new Set(), lateEditable: false };
      this.pages.set(key, s);
    }
    return s;
  }

  private maskStructure(state: PageState, event: RecordedEvent): RecordedEvent {
    const data = event.data as Record<string, unknown> | undefined;
    if (!data || typeof data !== 'object') return event;
    if (event.type === EventType.FullSnapshot && data.node) {
      const node = this.maskNode(state, data.node as SerializedNode, false);
      return node === data.node ? event : { ...event, data: { ...data, node } };
    }
    if (event.type !== EventType.IncrementalSnapshot) return event;
    if (data.source === Source.Input && typeof data.id === 'number') {
      const secret = state.secretFields.has(data.id) || !state.fields.has(data.id) || state.maskedNodes.has(data.id);
      if (typeof data.text !== 'string') return event;
      return { ...event, data: { ...data, text: secret ? maskWhole(data.text) : this.typed(data.text) } };
    }
    if (data.source !== Source.Mutation) return event;
    const out = { ...data };
    if (Array.isArray(data.adds)) {
      out.adds = (data.adds as { parentId: number; node: SerializedNode }[]).map((add) => ({
        ...add, node: add.node ? this.maskNode(state, add.node, state.maskedNodes.has(add.parentId), state.editable.has(add.parentId)) : add.node,
      }));
    }
    if (Array.isArray(data.texts)) {
      out.texts = (data.texts as { id: number; value: unknown }[]).map((t) => {
        if (typeof t.value !== 'string') return t;
        if (state.maskedNodes.has(t.id)) return { ...t, value: maskWhole(t.value) };
        if (state.editable.has(t.id) || state.lateEditable) return { ...t, value: this.typed(t.value) };
        return t;
      });
    }
    if (Array.isArray(data.attributes)) {
      out.attributes = (data.attributes as { id: number; attributes: Attributes }[]).map((a) => {
        if (!a.attributes || typeof a.attributes !== 'object') return a;
        if (TOKEN_ATTRIBUTE in a.attributes) {
          const { [TOKEN_ATTRIBUTE]: _token, ...kept } = a.attributes;
          a = { ...a, attributes: kept };
        }
        if ('contenteditable' in a.attributes && isEditable(a.attributes)) {
          state.editable.add(a.id);
          state.lateEditable = true;
        }
        if (state.secretFields.has(a.id) || state.maskedNodes.has(a.id)) {
          return { ...a, attributes: maskValueAttribute(a.attributes, maskWhole) };
        }
        return state.fields.has(a.id) ? { ...a, attributes: maskValueAttribute(a.attributes, this.typed) } : a;
      });
    }
    return { ...event, data: out };
  }

  private maskNode(state: PageState, node: SerializedNode, inMasked: boolean, inEditable = false): SerializedNode {
    if (!node || typeof node !== 'object') return node;
    let masked = inMasked;
    let editable = inEditable;
    let out = node;
    if (node.type === NodeType.Element && typeof node.tagName === 'string') {
      let attrs = node.attributes && typeof node.attributes === 'object' ? node.attributes : {};
      // One of Verbatim's own script tags (the recorder blocks them; this is the second line): no token, no src.
      if (TOKEN_ATTRIBUTE in attrs) {
        attrs = {};
        out = { ...node, attributes: attrs };
      }
      masked ||= matchesAny(this.maskCompounds, node.tagName, attrs) || matchesAny(this.privacyCompounds, node.tagName, attrs);
      editable ||= isEditable(attrs);
      if (FORM_TAGS.has(node.tagName.toLowerCase())) {
        state.fields.add(node.id);
        if (masked || this.isSecretField(node.tagName, attrs)) {
          state.secretFields.add(node.id);
          out = { ...node, attributes: maskValueAttribute(attrs, maskWhole) };
        } else {
          out = { ...node, attributes: maskValueAttribute(attrs, this.typed) };
        }
      }
    } else if (node.type === NodeType.Text && typeof node.textContent === 'string') {
      if (masked) out = { ...node, textContent: maskWhole(node.textContent) };
      else if (editable) {
        const typed = this.typed(node.textContent);
        if (typed !== node.textContent) out = { ...node, textContent: typed };
      }
    }
    if (masked) state.maskedNodes.add(node.id);
    if (editable) state.editable.add(node.id);
    if (Array.isArray(node.childNodes)) {
      let changed = false;
      const children = node.childNodes.map((c) => { const m = this.maskNode(state, c, masked, editable); if (m !== c) changed = true; return m; });
      // Copy only what changed: a large snapshot usually has nothing to mask.
      if (changed) out = { ...out, childNodes: children };
    }
    return out;
  }

  private isSecretField(tagName: string, attrs: Attributes): boolean {
    const type = typeof attrs.type === 'string' ? attrs.type.toLowerCase() : tagName.toLowerCase() === 'textarea' ? 'textarea' : 'text';
    if (this.policy.maskInputTypes.has(type) || 'data-rr-is-password' in attrs) return true;
    const autocomplete = typeof attrs.autocomplete === 'string' ? attrs.autocomplete.toLowerCase() : '';
    if (/\b(cc-number|cc-csc|current-password|new-password|one-time-code)\b/.test(autocomplete)) return true;
    for (const key of ['name', 'id']) {
      const v = attrs[key];
      if (typeof v === 'string' && isSensitiveField(this.policy, v)) return true;
    }
    return false;
  }
}

function maskValueAttribute(attrs: Attributes, mask: (s: string) => string): Attributes {
  if (typeof attrs.value !== 'string') return attrs;
  const value = mask(attrs.value);
  return value === attrs.value ? attrs : { ...attrs, value };
}
