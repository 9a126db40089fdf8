import type { AlarmMeaning } from '../alarm-meanings.ts';
import { unknownMeaning } from '../alarm-meanings.ts';
import { conditionKey, type Condition, type DetectContext } from './condition.ts';

/** Every alarm bit an inverter reports now, one alarm each, with the vendor's meaning; a FAULT state without bits is one too. */
export function detectAlarmBits(meanings: ReadonlyMap<string, AlarmMeaning>): (ctx: DetectContext) => Condition[] {
  return (ctx) => {
    const out: Condition[] = [];
    for (const d of ctx.fleet.devices.values()) {
      const names = d.last.alarms ?? [];
      const fault = d.last.state === 'fault';
      for (const name of names.length === 0 && fault ? ['FAULT_STATE'] : names) {
        const m = name === 'FAULT_STATE' ? { en: 'Inverter in FAULT state', zh: '逆变器故障停机', severity: 'critical' as const, stops: true } : (meanings.get(name) ?? unknownMeaning(name));
        out.push({
          key: conditionKey('inverter_alarm', d.site, d.device, name),
          kind: 'inverter_alarm',
          severity: m.severity,
          site: d.site,
          device: d.device,
          gateway: d.gateway,
          message: `${d.device} at ${d.site}: ${m.en} / ${m.zh}`,
          details: { bit: name, en: m.en, zh: m.zh, state: d.last.state },
          stopsGeneration: m.stops || fault,
        });
      }
    }
    return out;
  };
}
