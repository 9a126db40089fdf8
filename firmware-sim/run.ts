import type { Command } from 'commander';
import { givenFlags, loadCommandConfig, runService } from '../common/index.ts';
import { quickDevices, SIM_CONFIG } from './config.ts';
import { startSim } from './sim.ts';

/** `sunshare sim`: the --config file, or the site the quick flags describe, with the flags given laid over it. */
export async function runSimCommand(cmd: Command): Promise<void> {
  const file = cmd.opts<{ config?: string }>().config;
  const cfg = loadCommandConfig(cmd, SIM_CONFIG, file ? undefined : { devices: quickDevices(givenFlags(cmd)) });
  await runService(
    cmd,
    SIM_CONFIG,
    async () => {
      const sim = await startSim(cfg);
      const start = new Date(sim.clock.now()).toISOString();
      console.log(`sunshare sim: site ${cfg.site.id} (${cfg.site.latitude}, ${cfg.site.longitude}, ${cfg.site.timezone}), seed ${cfg.seed}, clock x${cfg.clock.speed} from ${start}`);
      for (const d of sim.devices) {
        const where = `tcp://${sim.host}:${d.port} unit ${d.unitId}${d.rtuPath ? ` and rtu ${d.rtuPath}` : ''}`;
        console.log(`  ${d.id.padEnd(12)} ${d.profile.padEnd(15)} ${(d.ratedPowerW / 1000).toFixed(1).padStart(7)} kW  ${d.serial.padEnd(12)} ${where}`);
      }
      if (sim.controlUrl) console.log(`control API: ${sim.controlUrl}/devices`);
      return sim;
    },
    cfg,
  );
}
