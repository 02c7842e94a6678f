// One D-Bus method call on the session bus, spoken directly over its socket: the keychain's pre-flight
// ("does the Secret Service answer, and is its default keyring locked?") without starting `dbus-send`,
// which cost a render that writes a process spawn (~8 ms). Only what that one question needs: EXTERNAL
// authentication, Hello, a call with string arguments, and a reply whose value is a boolean variant.
import { connect, type Socket } from 'node:net';

export interface DbusCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  /** String arguments (signature `s…`). */
  args?: string[];
}

export type DbusReply =
  | { kind: 'return'; value: unknown }
  | { kind: 'error'; name: string; message: string }
  /** No reply within the time limit. */
  | { kind: 'timeout' }
  /** No session bus to talk to (no address, nothing listening): nothing is known. */
  | { kind: 'unreachable'; why: string };

/** The session bus's socket path (`unix:path=` or `unix:abstract=`), from DBUS_SESSION_BUS_ADDRESS. */
export function sessionBusPath(address = process.env.DBUS_SESSION_BUS_ADDRESS): string | undefined {
  for (const entry of (address ?? '').split(';')) {
    if (!entry.startsWith('unix:')) continue;
    const keys = new Map(entry.slice(5).split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1))] as const;
    }));
    if (keys.has('path')) return keys.get('path');
    if (keys.has('abstract')) return `\0${keys.get('abstract')}`;
  }
  return undefined;
}

/** Calls one method on the session bus and returns its reply (or why there is none) within `timeoutMs`. */
export function dbusCall(call: DbusCall, timeoutMs: number, address?: string): Promise<DbusReply> {
  const path = sessionBusPath(address);
  if (!path) return Promise.resolve({ kind: 'unreachable', why: 'no session bus address' });
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let done = false;
    const finish = (reply: DbusReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    let buffer = Buffer.alloc(0);
    let authed = false;
    socket = connect(path);
    socket.on('error', (err) => finish({ kind: 'unreachable', why: err.message }));
    socket.on('close', () => finish({ kind: 'unreachable', why: 'the bus closed the connection' }));
    // Everything in one write, queued until the socket connects: the authentication, BEGIN, Hello
    // (the bus requires it first) and the call. Pipelining BEGIN and the messages after AUTH EXTERNAL
    // without waiting for OK is what sd-bus does too; a bus that refuses just closes the connection.
    // One round trip instead of two, each of which waits for this process's event loop.
    const uid = String(process.getuid?.() ?? 0);
    socket.write(Buffer.concat([
      Buffer.from(`\0AUTH EXTERNAL ${Buffer.from(uid).toString('hex')}\r\nBEGIN\r\n`, 'latin1'),
      methodCall(1, { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }),
      methodCall(2, call),
    ]));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!authed) {
        const end = buffer.indexOf('\r\n');
        if (end === -1) return;
        const line = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 2);
        if (!line.startsWith('OK ')) return finish({ kind: 'unreachable', why: `the bus refused authentication (${line.slice(0, 40)})` });
        authed = true;
      }
      for (;;) {
        const message = nextMessage(buffer);
        if (!message) return;
        buffer = buffer.subarray(message.length);
        if (message.replySerial !== 2) continue; // Hello's reply, NameAcquired…
        if (message.type === 3) return finish({ kind: 'error', name: message.errorName ?? '', message: message.firstString ?? '' });
        if (message.type === 2) return finish({ kind: 'return', value: message.variant });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Marshalling (little-endian), just the types used here.

class Writer {
  private parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  align(n: number): void {
    while (this.parts.length % n) this.parts.push(0);
  }
  byte(b: number): void {
    this.parts.push(b & 0xff);
  }
  uint32(v: number): void {
    this.align(4);
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  setUint32(at: number, v: number): void {
    this.parts.splice(at, 4, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.uint32(bytes.length);
    this.parts.push(...bytes, 0);
  }
  signature(s: string): void {
    this.byte(s.length);
    this.parts.push(...Buffer.from(s, 'latin1'), 0);
  }
  buffer(): Buffer {
    return Buffer.from(this.parts);
  }
}

function methodCall(serial: number, call: DbusCall): Buffer {
  const args = call.args ?? [];
  const body = new Writer();
  for (const a of args) body.string(a);
  const w = new Writer();
  w.byte(0x6c); // 'l': little-endian
  w.byte(1); // METHOD_CALL
  w.byte(0);
  w.byte(1); // protocol version
  w.uint32(body.length);
  w.uint32(serial);
  const lengthAt = w.length;
  w.uint32(0); // header fields' byte length, set below
  const start = w.length;
  const field = (code: number, sig: string, write: () => void) => {
    w.align(8);
    w.byte(code);
    w.signature(sig);
    write();
  };
  field(1, 'o', () => w.string(call.path));
  field(2, 's', () => w.string(call.interface));
  field(3, 's', () => w.string(call.member));
  field(6, 's', () => w.string(call.destination));
  if (args.length) field(8, 'g', () => w.signature('s'.repeat(args.length)));
  w.setUint32(lengthAt, w.length - start);
  w.align(8);
  return Buffer.concat([w.buffer(), body.buffer()]);
}

interface Message {
  length: number;
  type: number;
  replySerial?: number;
  errorName?: string;
  firstString?: string;
  variant?: unknown;
}

/** The first whole message in `buf` (undefined until all of it has arrived). Little- and big-endian. */
function nextMessage(buf: Buffer): Message | undefined {
  if (buf.length < 16) return undefined;
  const le = buf[0] === 0x6c;
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const type = buf[1]!;
  const bodyLength = u32(4);
  const fieldsLength = u32(12);
  const bodyStart = align(16 + fieldsLength, 8);
  const length = bodyStart + bodyLength;
  if (buf.length < length) return undefined;
  const message: Message = { length, type };
  let signature = '';
  let at = 16;
  while (at < 16 + fieldsLength) {
    at = align(at, 8);
    const code = buf[at]!;
    const sigLength = buf[at + 1]!;
    const sig = buf.toString('latin1', at + 2, at + 2 + sigLength);
    at += 3 + sigLength;
    if (sig === 'u') {
      at = align(at, 4);
      if (code === 5) message.replySerial = u32(at);
      at += 4;
    } else if (sig === 's' || sig === 'o') {
      at = align(at, 4);
      const n = u32(at);
      const value = buf.toString('utf8', at + 4, at + 4 + n);
      if (code === 4) message.errorName = value;
      at += 4 + n + 1;
    } else if (sig === 'g') {
      const n = buf[at]!;
      if (code === 8) signature = buf.toString('latin1', at + 1, at + 1 + n);
      at += 1 + n + 1;
    } else {
      return { length, type }; // a header field of a type conn never asks about: skip the message
    }
  }
  if (signature.startsWith('s') && bodyLength >= 4) {
    const n = u32(bodyStart);
    message.firstString = buf.toString('utf8', bodyStart + 4, bodyStart + 4 + n);
  } else if (signature === 'v') {
    const sigLength = buf[bodyStart]!;
    const sig = buf.toString('latin1', bodyStart + 1, bodyStart + 1 + sigLength);
    const valueAt = align(bodyStart + 2 + sigLength, 4);
    if (sig === 'b') message.variant = u32(valueAt) !== 0;
  }
  return message;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
