/**
 * CRX3 packages and update manifests for force-installing the kiosk extension
 * from the bank's own server (ExtensionInstallForcelist / ExtensionSettings with
 * an update URL). Written here rather than taken from npm: docs/ARCHITECTURE.md
 * ("Kiosk extension") says why. The format, as Chromium reads it
 * (components/crx_file/crx3.proto, crx_verifier.cc):
 *
 *   "Cr24" | uint32le 3 | uint32le header length | CrxFileHeader (protobuf) | ZIP archive
 *
 *   CrxFileHeader { repeated AsymmetricKeyProof sha256_with_rsa = 2; bytes signed_header_data = 10000; }
 *   AsymmetricKeyProof { bytes public_key = 1 (SPKI DER); bytes signature = 2; }
 *   SignedData { bytes crx_id = 1; }   crx_id = SHA-256(public key)[0..16]
 *
 * The signature (RSASSA-PKCS1-v1_5, SHA-256) covers
 *   "CRX3 SignedData\x00" | uint32le len(signed_header_data) | signed_header_data | archive.
 * The extension id is crx_id in hex with 0-f written as a-p.
 */
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

const MAGIC = Buffer.from('Cr24', 'latin1');
const SIGNATURE_CONTEXT = Buffer.from('CRX3 SignedData\x00', 'latin1');

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A length-delimited protobuf field (wire type 2). */
function field(num: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint(num * 8 + 2), varint(bytes.length), bytes]);
}

const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** The public key as Chromium hashes it: SubjectPublicKeyInfo, DER. */
export function publicKeyDer(key: KeyObject | string): Buffer {
  const pub = typeof key === 'string' ? createPublicKey(createPrivateKey(key)) : key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** The 16-byte CRX id of a public key. */
export function crxIdOf(spkiDer: Buffer): Buffer {
  return createHash('sha256').update(spkiDer).digest().subarray(0, 16);
}

/** The extension id Chromium derives from a public key (SPKI DER, or the manifest's base64 `key`). */
export function extensionIdOf(spkiDer: Buffer | string): string {
  const der = typeof spkiDer === 'string' ? Buffer.from(spkiDer, 'base64') : spkiDer;
  return [...crxIdOf(der).toString('hex')].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

/** Wraps a ZIP archive of the extension into a CRX3 signed with an RSA private key (PEM). */
export function crx3(zipArchive: Buffer, privateKeyPem: string): Buffer {
  const privateKey = createPrivateKey(privateKeyPem);
  const spki = publicKeyDer(privateKey);
  const signedHeaderData = field(1, crxIdOf(spki));
  const signature = sign('sha256', Buffer.concat([SIGNATURE_CONTEXT, u32le(signedHeaderData.length), signedHeaderData, zipArchive]), privateKey);
  const header = Buffer.concat([field(2, Buffer.concat([field(1, spki), field(2, signature)])), field(10000, signedHeaderData)]);
  return Buffer.concat([MAGIC, u32le(3), u32le(header.length), header, zipArchive]);
}

/** The update manifest (gupdate XML) Chromium fetches from the policy's update URL. */
export function updateManifest(extensionId: string, version: string, crxUrl: string, minChromeVersion?: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
  return `<?xml version='1.0' encoding='UTF-8'?>
<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>
  <app appid='${esc(extensionId)}'>
    <updatecheck codebase='${esc(crxUrl)}' version='${esc(version)}'${minChromeVersion ? ` prodversionmin='${esc(minChromeVersion)}'` : ''} />
  </app>
</gupdate>
`;
}
