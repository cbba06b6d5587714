/**
 * The masking policy: one JSON file (<data>/masking.json or --masking FILE),
 * applied in the page by the recorder and again by the proxy before anything
 * is written. Schema (every key optional; docs/MASKING.md has the long form):
 *
 * {
 *   "mask":  { "selectors": ["#iban", ".secret"], "inputTypes": ["tel", "email"] },
 *   "block": { "selectors": [".statement-table"] },
 *   "detectors": { "cards": true, "ibans": true, "securityCodes": true },
 *   "fields": ["pin", "otp"],              // field/input names whose values are always masked
 *   "patterns": [{ "name": "ssn", "regex": "\\b\\d{3}-\\d{2}-\\d{4}\\b", "flags": "i" }],
 *   "jsonPaths": ["$.account.number", "$.cards[*].pan"]
 * }
 *
 * Password fields are always masked and the built-in detectors are on unless
 * switched off explicitly. Selectors on the server side are matched per element
 * (tag, #id, .class, [attr], [attr=value], comma lists; no combinators).
 */
import { readFile } from 'node:fs/promises';
import { VerbatimError } from '../../store/errors';
import type { TextDetectors } from './detectors';

export interface MaskingPolicyFile {
  mask?: { selectors?: string[]; inputTypes?: string[] };
  block?: { selectors?: string[] };
  detectors?: { cards?: boolean; ibans?: boolean; securityCodes?: boolean };
  fields?: string[];
  patterns?: { name?: string; regex: string; flags?: string }[];
  jsonPaths?: string[];
}

/** What the recorder needs (sent on the injected script tag). */
export interface RecorderMaskingConfig {
  maskSelectors: string[];
  maskInputTypes: string[];
  blockSelectors: string[];
  maskFields: string[];
}

export interface MaskingPolicy {
  detectors: TextDetectors;
  securityCodes: boolean;
  /** Lower-cased field names whose values are masked whole (request bodies, JSON, inputs). */
  fields: Set<string>;
  maskSelectors: string[];
  blockSelectors: string[];
  maskInputTypes: Set<string>;
  /** Parsed JSON paths: segments, '*' for any key or index. */
  jsonPaths: string[][];
  /** Finds a sensitive key anywhere in a JSON text (a cheap pre-check before parsing it). */
  sensitiveKeyProbe: RegExp;
  /** Finds a sensitive `name=value` pair anywhere in a text (URLs, cookies; a cheap pre-check). */
  sensitivePairProbe: RegExp;
  recorder: RecorderMaskingConfig;
  /** The file it was parsed from: a worker thread parses its own copy (regexes do not cross threads). */
  file: MaskingPolicyFile;
}

/** Field names that carry a card security code (PCI DSS: never stored, even encrypted). */
export const SECURITY_CODE_FIELD = /^(cvv2?|cvc2?|csc|cvn|cid|card_?code|card_?cvv|card_?cvc|security_?code|securitycode|card_?security_?code|cc-?csc)$/i;
/** Field names that carry a password or one-time code: masked whole wherever they appear. */
export const SECRET_FIELD = /^(password|passwd|pass|pwd|new_?password|current_?password|passcode|pin|otp|one_?time_?code|cc-?number|card_?number|cardnumber|pan)$/i;

export function parsePolicy(raw: unknown, source = 'masking policy'): MaskingPolicy {
  const fail = (why: string): never => { throw new VerbatimError('CONFIG_INVALID', `${source}: ${why}`); };
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('must be a JSON object');
  const file = raw as MaskingPolicyFile;
  const strings = (v: unknown, where: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || !s.trim())) fail(`${where} must be an array of non-empty strings`);
    return (v as string[]).map((s) => s.trim());
  };
  const flag = (v: unknown, where: string): boolean => {
    if (v === undefined) return true;
    if (typeof v !== 'boolean') fail(`${where} must be true or false`);
    return v as boolean;
  };
  const patterns: RegExp[] = [];
  if (file.patterns !== undefined && !Array.isArray(file.patterns)) fail('patterns must be an array');
  for (const [i, p] of (file.patterns ?? []).entries()) {
    if (!p || typeof p.regex !== 'string' || !p.regex) fail(`patterns[${i}].regex must be a non-empty string`);
    const flags = p.flags ?? '';
    if (typeof flags !== 'string' || !/^[imsu]*$/.test(flags)) fail(`patterns[${i}].flags may only use i, m, s, u`);
    try {
      patterns.push(new RegExp(p.regex, `${flags}g`));
    } catch {
      fail(`patterns[${i}].regex is not a valid regular expression`);
    }
  }
  const jsonPaths = strings(file.jsonPaths, 'jsonPaths').map((p) => parseJsonPath(p) ?? fail(`jsonPaths: cannot parse "${p}"`));
  const maskSelectors = strings(file.mask?.selectors, 'mask.selectors');
  const blockSelectors = strings(file.block?.selectors, 'block.selectors');
  const maskInputTypes = strings(file.mask?.inputTypes, 'mask.inputTypes').map((t) => t.toLowerCase());
  const fields = strings(file.fields, 'fields').map((f) => f.toLowerCase());
  const d = file.detectors ?? {};
  return {
    detectors: { cards: flag(d.cards, 'detectors.cards'), ibans: flag(d.ibans, 'detectors.ibans'), patterns },
    securityCodes: flag(d.securityCodes, 'detectors.securityCodes'),
    fields: new Set(fields),
    maskSelectors,
    blockSelectors,
    maskInputTypes: new Set(['password', ...maskInputTypes]),
    jsonPaths,
    sensitiveKeyProbe: new RegExp(`"(${sensitiveNames(fields)})"\\s*:`, 'i'),
    sensitivePairProbe: new RegExp(`(?:^|[?&;#\\s"'])(?:${sensitiveNames(fields)})=`, 'i'),
    recorder: { maskSelectors, maskInputTypes: ['password', ...maskInputTypes], blockSelectors, maskFields: fields },
    file,
  };
}

/** The default policy: password fields, cards, security codes, IBANs. */
export const DEFAULT_POLICY: MaskingPolicy = parsePolicy({});

/** Reads a policy file; a missing file at the default location means the default policy. */
export async function loadPolicy(file: string, required: boolean): Promise<MaskingPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_POLICY;
    throw new VerbatimError('CONFIG_INVALID', `cannot read masking policy ${file}`, {}, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new VerbatimError('CONFIG_INVALID', `masking policy ${file} is not valid JSON`);
  }
  return parsePolicy(raw, file);
}

/** True when a field of this name must be masked whole. */
export function isSensitiveField(policy: MaskingPolicy, name: string): boolean {
  const n = name.trim();
  return SECRET_FIELD.test(n) || (policy.securityCodes && SECURITY_CODE_FIELD.test(n)) || policy.fields.has(n.toLowerCase());
}

/** "$.a.b[*].c" or "a.b.*.c" → ['a','b','*','c']. */
export function parseJsonPath(path: string): string[] | undefined {
  const body = path.replace(/^\$\.?/, '');
  if (!body) return undefined;
  const segments: string[] = [];
  for (const part of body.split('.')) {
    const m = /^([^[\]]*)((?:\[(?:\*|\d+)\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) segments.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\*|\d+)\]/g)) segments.push(idx[1]);
  }
  return segments.length ? segments : undefined;
}

/** The policy's in-page part as the script-tag attribute value; undefined when it adds nothing to the recorder's defaults. */
export function recorderMaskingAttribute(policy: MaskingPolicy): string | undefined {
  const r = policy.recorder;
  const adds = r.maskSelectors.length || r.blockSelectors.length || r.maskFields.length || r.maskInputTypes.some((t) => t !== 'password');
  return adds ? JSON.stringify(r) : undefined;
}

function sensitiveNames(fields: string[]): string {
  return [SECRET_FIELD.source, SECURITY_CODE_FIELD.source, ...fields.map(escapeRegex)].map((x) => x.replace(/^\^|\$$/g, '')).join('|');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
