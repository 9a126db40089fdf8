import { createReadStream, createWriteStream } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import fc from 'fast-check';

/**
 * A Modbus server that misbehaves on purpose, over TCP (MBAP) or RTU (a pty).
 * Each request is answered according to the next behaviour in a schedule;
 * a correct answer holds register value (address + i + unit) & 0xffff.
 */
export const BEHAVIOURS = ['ok', 'wrong_tid', 'wrong_unit', 'wrong_fc', 'byte_count_short', 'byte_count_long', 'fewer_registers', 'exception', 'truncated', 'never_ends', 'garbage', 'close', 'silent', 'bad_crc', 'late'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const behaviourSchedule = (seed: number, n: number, allowed: readonly Behaviour[] = BEHAVIOURS): Behaviour[] =>
  fc.sample(fc.oneof({ arbitrary: fc.constant<Behaviour>('ok'), weight: 1 }, fc.constantFrom(...allowed.filter((b) => b !== 'ok'))), { seed, numRuns: n });

export const registerValue = (address: number, i: number, unit: number) => (address + i + unit) & 0xffff;

export function crc16(buf: Buffer): number {
  let crc = 0xffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

interface Request {
  unit: number;
  fc: number;
  address: number;
  count: number;
}

/** The PDU (or its framing defect) a behaviour answers with; undefined: say nothing. */
function answerPdu(b: Behaviour, r: Request, pick: number): { pdu: Buffer; unit: number; tidDelta: number; cut?: number } | undefined {
  const data = (count: number, poison = false) => {
    const out = Buffer.alloc(count * 2);
    for (let i = 0; i < count; i++) out.writeUInt16BE(poison ? 0xdead : registerValue(r.address, i, r.unit), i * 2);
    return out;
  };
  const normal = (count = r.count, poison = false) => Buffer.concat([Buffer.from([r.fc, count * 2]), data(count, poison)]);
  switch (b) {
    case 'ok':
    case 'late':
      return { pdu: normal(), unit: r.unit, tidDelta: 0 };
    case 'wrong_tid':
      return { pdu: normal(r.count, true), unit: r.unit, tidDelta: 1 + (pick % 100) };
    case 'wrong_unit':
      return { pdu: normal(r.count, true), unit: (r.unit + 1 + (pick % 200)) & 0xff, tidDelta: 0 };
    case 'wrong_fc':
      return { pdu: Buffer.concat([Buffer.from([r.fc === 3 ? 4 : 3, r.count * 2]), data(r.count, true)]), unit: r.unit, tidDelta: 0 };
    case 'byte_count_short':
      return { pdu: Buffer.concat([Buffer.from([r.fc, r.count * 2 - 1]), data(r.count, true)]), unit: r.unit, tidDelta: 0 };
    case 'byte_count_long':
      return { pdu: Buffer.concat([Buffer.from([r.fc, (r.count * 2 + 2) & 0xff]), data(r.count, true)]), unit: r.unit, tidDelta: 0 };
    case 'fewer_registers':
      return { pdu: normal(Math.max(0, r.count - 1), true), unit: r.unit, tidDelta: 0 };
    case 'exception':
      return { pdu: Buffer.from([r.fc | 0x80, [1, 2, 3, 4, 5, 6, 10, 11][pick % 8]!]), unit: r.unit, tidDelta: 0 };
    case 'truncated':
      return { pdu: normal(r.count, true), unit: r.unit, tidDelta: 0, cut: 1 + (pick % 6) };
    default:
      return undefined;
  }
}

export interface HostileServer {
  readonly served: Record<string, number>;
  /** The behaviour each request got, in order. */
  readonly log: Behaviour[];
  stop(): Promise<void>;
}

function garbage(pick: number): Buffer {
  return Buffer.from(Array.from({ length: 1 + (pick % 40) }, (_, i) => (pick * 31 + i * 17) & 0xff));
}

export interface TcpHostile extends HostileServer {
  readonly port: number;
}

export async function startHostileTcp(schedule: Behaviour[], timeoutMs: number): Promise<TcpHostile> {
  const served: Record<string, number> = {};
  const log: Behaviour[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let next = 0;
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 12) {
        const frame = buf.subarray(0, 12);
        buf = buf.subarray(12);
        const tid = frame.readUInt16BE(0);
        const req: Request = { unit: frame[6]!, fc: frame[7]!, address: frame.readUInt16BE(8), count: frame.readUInt16BE(10) };
        const b = schedule[next % schedule.length]!;
        const pick = next * 7919;
        next++;
        log.push(b);
        served[b] = (served[b] ?? 0) + 1;
        const a = answerPdu(b, req, pick);
        const send = (bytes: Buffer) => !sock.destroyed && sock.write(bytes);
        if (a) {
          const mbap = Buffer.alloc(7);
          mbap.writeUInt16BE((tid + a.tidDelta) & 0xffff, 0);
          mbap.writeUInt16BE(0, 2);
          mbap.writeUInt16BE(a.pdu.length + 1, 4);
          mbap[6] = a.unit;
          const whole = Buffer.concat([mbap, a.pdu]);
          const bytes = a.cut ? whole.subarray(0, Math.max(1, whole.length - a.cut)) : whole;
          if (b === 'late') {
            const t = setTimeout(() => send(bytes), timeoutMs * 2);
            timers.add(t);
          } else send(bytes);
        } else if (b === 'garbage') send(garbage(pick));
        else if (b === 'close') sock.destroy();
        else if (b === 'never_ends') {
          const t = setInterval(() => (sock.destroyed ? clearInterval(t) : sock.write(garbage(pick))), 5);
          timers.add(t);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    served,
    log,
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The same misbehaviour on the far end of a serial line (a pty of a socat pair). */
export function startHostileRtu(path: string, schedule: Behaviour[], timeoutMs: number): HostileServer {
  const served: Record<string, number> = {};
  const log: Behaviour[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const input = createReadStream(path);
  const output = createWriteStream(path);
  input.on('error', () => undefined);
  output.on('error', () => undefined);
  let next = 0;
  let buf = Buffer.alloc(0);
  const send = (bytes: Buffer) => output.write(bytes);
  const frame = (unit: number, pdu: Buffer, badCrc = false) => {
    const body = Buffer.concat([Buffer.from([unit]), pdu]);
    const crc = Buffer.alloc(2);
    crc.writeUInt16LE(crc16(body) ^ (badCrc ? 0x5a5a : 0), 0);
    return Buffer.concat([body, crc]);
  };
  input.on('data', (chunk: string | Buffer) => {
    buf = Buffer.concat([buf, Buffer.from(chunk)]);
    while (buf.length >= 8) {
      const f = buf.subarray(0, 8);
      if (crc16(f.subarray(0, 6)) !== f.readUInt16LE(6)) {
        buf = buf.subarray(1); // resynchronise on a request boundary
        continue;
      }
      buf = buf.subarray(8);
      const req: Request = { unit: f[0]!, fc: f[1]!, address: f.readUInt16BE(2), count: f.readUInt16BE(4) };
      const b = schedule[next % schedule.length]!;
      const pick = next * 7919;
      next++;
      log.push(b);
      served[b] = (served[b] ?? 0) + 1;
      const a = answerPdu(b, req, pick);
      if (b === 'bad_crc') send(frame(req.unit, answerPdu('ok', req, pick)!.pdu, true));
      else if (a) {
        const whole = frame(a.unit, a.pdu);
        const bytes = a.cut ? whole.subarray(0, Math.max(1, whole.length - a.cut)) : whole;
        if (b === 'late') {
          const t = setTimeout(() => send(bytes), timeoutMs * 2);
          timers.add(t);
        } else send(bytes);
      } else if (b === 'garbage') send(garbage(pick));
      else if (b === 'never_ends') {
        const t = setInterval(() => send(garbage(pick)), 5);
        timers.add(t);
        const stop = setTimeout(() => clearInterval(t), timeoutMs * 3);
        timers.add(stop);
      }
    }
  });
  return {
    served,
    log,
    async stop() {
      for (const t of timers) clearInterval(t);
      input.destroy();
      await new Promise<void>((r) => output.end(() => r()));
    },
  };
}
