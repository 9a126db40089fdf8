import { SerialPort } from 'serialport';
import { startPtyPair, type PtyPair } from '../../common/testing/index.ts';

/** A simulated multi-drop RS-485 line: the master's serial device and one serial device per drop. */
export interface Rs485Bus {
  /** What the gateway opens. */
  readonly master: string;
  /** What each device (a simulator listener) opens. */
  readonly drops: string[];
  /** Bytes each end sent onto the bus: [master, ...drops]. */
  readonly sent: number[];
  close(): Promise<void>;
}

/**
 * An RS-485 line out of socat pty pairs: every byte the master sends reaches every device, and
 * every device's reply reaches the master, as on the real two-wire bus. Devices do not hear each
 * other's replies here: on a real bus they would, at the same instant as the master, but through
 * two more ptys a reply can reach another device tens of ms late on a loaded machine, which no
 * real line does. Settings (baud, parity) do not matter on a pty; the gateway's switching of them
 * is what runs for real.
 */
export async function startRs485Bus(drops: number): Promise<Rs485Bus> {
  const pairs: PtyPair[] = [];
  const hub: SerialPort[] = [];
  const sent = Array.from({ length: drops + 1 }, () => 0);
  try {
    for (let i = 0; i <= drops; i++) pairs.push(await startPtyPair());
    for (const p of pairs) {
      const port = new SerialPort({ path: p.b, baudRate: 9600, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      hub.push(port);
    }
    hub.forEach((from, i) =>
      from.on('data', (d: Buffer) => {
        sent[i]! += d.length;
        if (i === 0) hub.slice(1).forEach((to) => to.write(d));
        else hub[0]!.write(d);
      }),
    );
  } catch (err) {
    await Promise.all(pairs.map((p) => p.close()));
    throw err;
  }
  return {
    master: pairs[0]!.a,
    drops: pairs.slice(1).map((p) => p.a),
    sent,
    close: async () => {
      await Promise.all(hub.map((p) => new Promise<void>((r) => (p.isOpen ? p.close(() => r()) : r()))));
      await Promise.all(pairs.map((p) => p.close()));
    },
  };
}
