import { describe, expect, it } from 'vitest';
import { poaGlobal, pvlibReference } from '../../monitor/testing/index.ts';
import { clearSky } from './solar.ts';

/**
 * The simulator's sun (Meinel beam, diffuse a tenth of it, isotropic sky,
 * albedo 0.2) is a simpler model than the monitor's Ineichen-Perez: it is
 * checked against the same pvlib values, with the tolerance it meets.
 */
describe('simulator clear sky against pvlib', () => {
  const ref = pvlibReference().planeOfArray;
  const site = { latitude: ref.site.latitude, longitude: ref.site.longitude, tiltDeg: ref.site.tiltDeg, azimuthDeg: ref.site.azimuthDeg };

  it('is within 5 % of pvlib at noon and 13 W/m2 with the sun low', () => {
    for (const r of ref.rows) {
      const got = clearSky(Date.parse(r.time), site);
      const want = poaGlobal(r);
      if (r.apparentZenith < 30) expect(Math.abs(got.poa / want - 1), r.time).toBeLessThan(0.05);
      else expect(Math.abs(got.poa - want), r.time).toBeLessThan(13);
      expect(Math.abs(90 - got.altitudeDeg - r.apparentZenith), `${r.time} zenith`).toBeLessThan(0.05);
    }
  });

  it('has the global horizontal within 8 % of pvlib where the sun is up by more than 15 degrees', () => {
    for (const r of ref.rows.filter((x) => x.apparentZenith < 75)) expect(Math.abs(clearSky(Date.parse(r.time), site).ghi / r.ghi - 1), r.time).toBeLessThan(0.08);
  });
});
