// Runs Modbus servers for gateway/bench.ts in their own process (so they do not share the
// gateway's event loop): `tcp N` = N SunSpec inverters, one TCP server each (unit 1);
// `rtu PATH N BAUD` = N inverters (units 1..N) on one serial line with wire-time emulation.
// Prints {"ports":[...]} or {"ready":true} once listening.
import { startRegisterServer } from './register-server.ts';
import { sunspecSpace } from './sunspec-space.ts';

export const benchInverter = (serial: string) =>
  sunspecSpace(40000, [
    { id: 1, set: { Mn: 'Acme', Md: 'PV-50', SN: serial } },
    { id: 103, set: { A_SF: -2, V_SF: -1, W_SF: 1, Hz_SF: -2, WH_SF: 0, Tmp_SF: -1, DCW_SF: 1, W: 41_000, WH: 123_456_789, Hz: 50, PhVphA: 230, A: 59.4, TmpCab: 35, DCW: 42_000, St: 4, Evt1: 0 } },
    { id: 160, set: { DCA_SF: -1, DCV_SF: -1, DCW_SF: 0, DCWH_SF: 0, N: 2 }, blocks: [{ ID: 1, DCW: 21_000 }, { ID: 2, DCW: 21_000 }] },
  ]).regs;

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'tcp') {
  const ports: number[] = [];
  for (let i = 0; i < Number(a); i++) {
    const srv = await startRegisterServer(new Map([[1, { holding: benchInverter(`BENCH-${i}`), input: new Map() }]]));
    ports.push(srv.port);
  }
  console.log(JSON.stringify({ ports }));
} else if (mode === 'rtu') {
  const units = new Map(Array.from({ length: Number(b) }, (_, i) => [i + 1, { holding: benchInverter(`RTU-${i}`), input: new Map<number, number>() }]));
  await startRegisterServer(units, a, Number(c));
  console.log(JSON.stringify({ ready: true }));
}
