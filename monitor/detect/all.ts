import type { AlarmMeaning } from '../alarm-meanings.ts';
import { detectAlarmBits } from './alarm-bits.ts';
import type { Condition, DetectContext, Detector } from './condition.ts';
import { detectCounterAnomaly } from './counter.ts';
import { detectGatewayOffline } from './gateway.ts';
import { detectMeterDivergence } from './meter.ts';
import { detectOffline } from './offline.ts';
import { PeerWatch } from './peers.ts';
import { detectStuck } from './stuck.ts';

/** Every detector, in one list (the peer watch keeps its time between cycles). */
export function allDetectors(meanings: ReadonlyMap<string, AlarmMeaning>): Detector[] {
  const peers = new PeerWatch();
  return [detectOffline, detectGatewayOffline, detectAlarmBits(meanings), detectStuck, (c: DetectContext) => peers.detect(c), detectCounterAnomaly, detectMeterDivergence];
}

/** One cycle of every detector; a detector that throws is reported and skipped, the others still run. */
export function runDetectors(detectors: readonly Detector[], ctx: DetectContext, onError: (err: Error) => void): Condition[] {
  const out: Condition[] = [];
  for (const detect of detectors) {
    try {
      out.push(...detect(ctx));
    } catch (err) {
      onError(err as Error);
    }
  }
  return out;
}
