/**
 * Reads RFC 6455 frames from one direction of a relayed WebSocket, without
 * holding more than the capture cap per message: payloads are unmasked as they
 * pass, continuation frames are joined, control frames other than close are
 * skipped. Anything that does not parse switches the reader off; the relay
 * itself never depends on it.
 */
export interface ReadMessage {
  kind: 'text' | 'binary' | 'close';
  /** The first `maxBytes` of the payload. */
  payload: Buffer;
  /** Full payload size. */
  size: number;
  truncated: boolean;
  /** Set when the frame used an extension (RSV1: permessage-deflate): the payload is still compressed. */
  compressed: boolean;
}

const OP_CONTINUATION = 0;
const OP_TEXT = 1;
const OP_BINARY = 2;
const OP_CLOSE = 8;

export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;
  /** Current frame: bytes of payload still to come, its mask and how far into it we are. */
  private remaining = 0;
  private mask: Buffer | null = null;
  private offset = 0;
  private frameOpcode = 0;
  private frameFin = false;
  /** Message being assembled. */
  private message: { kind: ReadMessage['kind']; chunks: Buffer[]; kept: number; size: number; compressed: boolean } | null = null;
  private control: Buffer[] | null = null;

  constructor(private readonly maxBytes: number, private readonly onMessage: (m: ReadMessage) => void) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length);
        this.payload(data.subarray(0, take));
        data = data.subarray(take);
        this.remaining -= take;
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      const header = this.readHeader(data);
      if (header === null) { this.pending = Buffer.from(data); return; }
      if (header === false) { this.broken = true; return; }
      data = data.subarray(header);
      if (this.remaining === 0) this.endFrame();
    }
  }

  /** Parses a frame header; bytes consumed, null when incomplete, false when invalid. */
  private readHeader(b: Buffer): number | null | false {
    if (b.length < 2) return null;
    const fin = (b[0] & 0x80) !== 0;
    const rsv1 = (b[0] & 0x40) !== 0;
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    let len = b[1] & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) return false;
      len = Number(big);
      at = 10;
    }
    if (masked) {
      if (b.length < at + 4) return null;
      this.mask = Buffer.from(b.subarray(at, at + 4));
      at += 4;
    } else this.mask = null;
    if (![OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, 9, 10].includes(opcode)) return false;
    if (opcode >= 8 && (!fin || len > 125)) return false;
    if (opcode === OP_CONTINUATION && !this.message) return false;
    if ((opcode === OP_TEXT || opcode === OP_BINARY) && this.message) return false;
    this.frameOpcode = opcode;
    this.frameFin = fin;
    this.remaining = len;
    this.offset = 0;
    if (opcode === OP_TEXT || opcode === OP_BINARY) {
      this.message = { kind: opcode === OP_TEXT ? 'text' : 'binary', chunks: [], kept: 0, size: 0, compressed: rsv1 };
    } else if (opcode >= 8) this.control = [];
    return at;
  }

  private payload(bytes: Buffer): void {
    let plain = bytes;
    if (this.mask) {
      plain = Buffer.allocUnsafe(bytes.length);
      for (let i = 0; i < bytes.length; i++) plain[i] = bytes[i] ^ this.mask[(this.offset + i) & 3];
    }
    this.offset += bytes.length;
    if (this.frameOpcode >= 8) {
      this.control!.push(plain);
      return;
    }
    const m = this.message!;
    m.size += plain.length;
    const room = this.maxBytes - m.kept;
    if (room > 0) {
      const kept = plain.length <= room ? (plain === bytes ? Buffer.from(plain) : plain) : Buffer.from(plain.subarray(0, room));
      m.chunks.push(kept);
      m.kept += kept.length;
    }
  }

  private endFrame(): void {
    if (this.frameOpcode >= 8) {
      if (this.frameOpcode === OP_CLOSE) {
        const payload = Buffer.concat(this.control ?? []);
        this.onMessage({ kind: 'close', payload, size: payload.length, truncated: false, compressed: false });
      }
      this.control = null;
      return;
    }
    if (!this.frameFin) return;
    const m = this.message!;
    this.message = null;
    this.onMessage({ kind: m.kind, payload: Buffer.concat(m.chunks, m.kept), size: m.size, truncated: m.size > m.kept, compressed: m.compressed });
  }
}

/** Builds one frame (tests; a masked frame as a browser sends it). */
export function encodeFrame(opcode: number, payload: Buffer, mask?: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) head[1] = len;
  else if (len < 65536) { head[1] = 126; head.writeUInt16BE(len, 2); } else { head[1] = 127; head.writeBigUInt64BE(BigInt(len), 2); }
  if (!mask) return Buffer.concat([head, payload]);
  head[1] |= 0x80;
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}
