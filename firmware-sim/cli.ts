import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('sim')
    .description('Simulated inverters and a revenue meter over Modbus TCP/RTU, with sun, weather, energy counters and faults')
    .option('-c, --config <file>', 'a whole site in YAML/JSON (see firmware-sim/config.example.yaml: 300 kW pilot); the flags below override it')
    .option('-p, --port <port>', 'Modbus TCP port; all devices share it, one unit id each (inverters 1..N, meter 100)', '5020')
    .option('--host <address>', 'address to listen on (0.0.0.0 for other machines)', '127.0.0.1')
    .option('-n, --inverters <count>', 'number of inverters (without --config)', '3')
    .option('--profile <name>', 'inverter profile: a file in common/devices/sunspec-devices/ (sunspec: models 1+103+160, sunspec-float: 1+113+160) or common/devices/maps/ (huawei-sun2000, sungrow-sg, ...)', 'sunspec')
    .option('--rated-power <watts>', 'rated AC power per inverter, W (PV array: 1.25 x this)', '12000')
    .option('--no-meter', 'leave out the SunSpec revenue meter (model 203, unit id 100)')
    .option('--seed <n>', 'weather seed: the same seed gives the same sun, clouds and counters', '1')
    .option('--clock-speed <x>', 'sim seconds per real second: 60 = a minute a second, 3600 = an hour a second', '1')
    .option('--start <time>', 'sim start: 2026-06-21 (local midnight at the site), 2026-06-21T06:00, or ISO with offset (default: now)')
    .option('--rtu <path>', 'also serve every device as Modbus RTU on this serial device (e.g. /dev/ttyUSB0 or a socat pty)')
    .option('--baud <rate>', 'RTU baud rate', '9600')
    .option('--control-port <port>', 'HTTP control API port (faults, truth, clock); 0 = any free port', '8502')
    .option('--no-control', 'no HTTP control API')
    .option('--check', 'validate the config, print it and exit')
    .addHelpText(
      'after',
      `
Examples:
  sunshare sim --port 5020 --inverters 3 --profile sunspec --seed 1 --clock-speed 60
  sunshare sim --config firmware-sim/config.example.yaml --clock-speed 3600 --start 2026-06-21

Flags given override the file. The site defaults to Ruyuan (24.78 N, 113.28 E, Asia/Shanghai). Faults at runtime, e.g.:
  curl -X POST localhost:8502/devices/inv-01/faults -d '{"kind":"exception","code":6}'
  curl -X DELETE localhost:8502/devices/inv-01/faults
Fault kinds: silent, slow {delayMs}, exception {code}, counter_reset, counter_rollover {aheadWh},
replace {serial}, trip {alarms}, stuck, not_implemented {fields|points}. See firmware-sim/README.md.`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runSimCommand } = await import('./run.ts');
      await runSimCommand(cmd);
    });
}
