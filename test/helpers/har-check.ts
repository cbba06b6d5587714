/**
 * Validates a HAR document against the HAR 1.2 JSON schemas of `har-schema` (the schemas HAR tools validate with),
 * compiled by Ajv. The schemas use draft-06 and a few keywords of their own (`optional`, `min`), hence strict off;
 * date-times are checked by the schemas' own patterns.
 */
import { createRequire } from 'node:module';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);
const schemas = require('har-schema') as Record<string, { $id: string }>;
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json') as object;

/** Every schema error as `path message`; empty when the document is valid HAR 1.2. */
export function harProblems(har: unknown): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addMetaSchema(draft06);
  for (const schema of Object.values(schemas)) ajv.addSchema(schema);
  const validate = ajv.getSchema('har.json#')!;
  return validate(har) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
