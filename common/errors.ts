/**
 * Errors that reach a person carry a stable code (for scripts, dashboards and
 * the API), a message that says what went wrong, and optional details such as
 * the list of config problems. Every code is in ERRORS below, with the exit
 * status of the CLI, the HTTP status of the API and what a person does about
 * it; docs/errors.md is generated from this table (`npm run docs:errors`).
 */

/**
 * Exit statuses of `sunshare`, after BSD sysexits.h, so a script or a systemd
 * unit can tell a typo from a broker that is down or a run to retry later.
 */
export const EXIT = {
  failure: 1,
  usage: 64,
  data: 65,
  unavailable: 69,
  software: 70,
  tempfail: 75,
  noperm: 77,
  config: 78,
} as const;

export const EXIT_MEANING: Record<keyof typeof EXIT, string> = {
  failure: 'the command failed (something asked for does not exist, or conflicts with what is there)',
  usage: 'a command-line option or argument is wrong',
  data: 'input data (a registry file, meter reads, a spool file) is wrong',
  unavailable: 'a service or device could not be reached, or a port could not be opened',
  software: 'a bug in Sunshare',
  tempfail: 'try again later (another run holds the lock, too many attempts)',
  noperm: 'not allowed (missing or wrong credentials, missing permission)',
  config: 'a config file, device map or container environment is wrong',
};

interface ErrorEntry {
  /** Exit status of the CLI when a command fails with this code. */
  readonly exit: (typeof EXIT)[keyof typeof EXIT];
  /** HTTP status of the API (and the simulator's control API) for this code. */
  readonly http: number;
  /** What a person does about it; the message says what went wrong. */
  readonly action: string;
}

/** Every error code, grouped by area. Adding a code here is the only way to use it. */
export const ERRORS = {
  // Command line and config
  OPTION_INVALID: { exit: EXIT.usage, http: 400, action: 'Fix the option as the message says; `sunshare <command> --help` lists the options and their formats.' },
  CONFIG_UNREADABLE: { exit: EXIT.config, http: 500, action: 'Check the path named in the message exists and that the user running Sunshare may read it.' },
  CONFIG_SYNTAX: { exit: EXIT.config, http: 500, action: 'Fix the YAML or JSON at the line and column the message gives.' },
  CONFIG_INVALID: { exit: EXIT.config, http: 500, action: 'Fix every problem listed under the message (each names its path in the file), then check again with `--check` where the command has it.' },
  CONFIG_ENV_MISSING: { exit: EXIT.config, http: 500, action: "Set the environment variables the message names in the container's env file (see docs/deploy.md) and start the container again." },
  DEVICE_MAP_UNREADABLE: { exit: EXIT.config, http: 500, action: 'Check the register map file named in the message exists and is readable.' },
  DEVICE_MAP_SYNTAX: { exit: EXIT.config, http: 500, action: 'Fix the YAML of the register map at the line the message gives.' },
  DEVICE_MAP_INVALID: { exit: EXIT.config, http: 500, action: 'Fix every problem listed under the message; common/devices/README.md describes the map format.' },
  DEVICE_MAP_UNKNOWN: { exit: EXIT.config, http: 500, action: "Use one of the known maps listed under the message as the device's profile, or give the path of your own map file." },
  SUNSPEC_MODEL_UNKNOWN: { exit: EXIT.config, http: 500, action: 'The device announces a SunSpec model Sunshare has no definition for; add it under common/devices/sunspec/ or use a vendor map as its profile.' },
  SUNSPEC_POINT_UNKNOWN: { exit: EXIT.software, http: 500, action: 'A bug: the code asks for a SunSpec point its model does not define. Report it with the message.' },

  // Devices and the gateway
  SUNSPEC_NOT_FOUND: { exit: EXIT.unavailable, http: 500, action: "Check the device's unit id and that it speaks SunSpec; otherwise give its vendor map as profile (see docs/gateway.md)." },
  SUNSPEC_CHAIN_BROKEN: { exit: EXIT.data, http: 500, action: "The device's SunSpec model list does not end; check its firmware, or give its vendor map as profile." },
  MODBUS_READ_FAILED: { exit: EXIT.unavailable, http: 500, action: 'Check the device is powered and answers at that address (host and port, or serial line) and unit id; the gateway keeps retrying on its own.' },
  DLT645_TIMEOUT: { exit: EXIT.unavailable, http: 500, action: "Check the meter's address (on its nameplate, or read it with the meter alone on the line), its baud rate and parity (2400 8E1 by default), the A/B wiring and termination; the gateway keeps retrying on its own." },
  DLT645_BAD_FRAME: { exit: EXIT.unavailable, http: 500, action: 'Noise or a second talker on the RS-485 line: check termination and biasing, that no two devices answer at once, and that every device on the line has its own address.' },
  DLT645_ERROR_REPLY: { exit: EXIT.data, http: 500, action: 'The meter answered with an error (the message names it): "no requested data" means the meter does not have that data identifier; remove the point from its map or use a map for this meter model.' },
  DLT645_VALUE_INVALID: { exit: EXIT.data, http: 500, action: 'A DL/T 645 value, address or data identifier is malformed (the message names it and where); fix the config or map, or, if the meter sent it, check the meter.' },
  DEVICE_LAYOUT_CHANGED: { exit: EXIT.data, http: 500, action: 'Nothing, if the device was replaced or re-flashed: the gateway discovers its registers again. If it repeats, check no two devices share a unit id on the line.' },
  SPOOL_FILE_DAMAGED: { exit: EXIT.data, http: 500, action: 'A small state file in the spool was damaged (power lost mid-write): fix the number in it or delete it; the message says what deleting it costs.' },

  // Broker, MQTT, ingest
  LISTEN_FAILED: { exit: EXIT.unavailable, http: 500, action: 'Another process holds the port (or the device), or the address is not on this machine: stop the other process or choose another port.' },
  MQTT_CONNECT_FAILED: { exit: EXIT.unavailable, http: 500, action: "Check the broker's URL, that it runs and is reachable from here, and the username and password." },
  MQTT_SUBSCRIBE_REFUSED: { exit: EXIT.noperm, http: 500, action: "Allow this user to read the topics listed under the message in the broker's ACL (docs/ingest.md)." },
  INFLUX_DATABASE_MISSING: { exit: EXIT.unavailable, http: 500, action: 'Create the InfluxDB 1.x database the message names (`CREATE DATABASE "<name>"`), or let the InfluxDB user ingest logs in as create it, then start ingest again.' },
  INFLUX_WRITE_FAILED: { exit: EXIT.unavailable, http: 500, action: 'Check InfluxDB runs, has disk space and accepts the token; ingest keeps the messages unacknowledged and writes them again once it can.' },

  // Ledger and payout
  LEDGER_SCHEMA_UNSUPPORTED: { exit: EXIT.software, http: 500, action: 'A migration uses a column type or view the schema generator cannot map: use INTEGER, BIGINT, TEXT or DOUBLE PRECISION columns and views over table columns (common/ledger/README.md), then run `npm run ledger:schema`.' },
  LEDGER_MISSING: { exit: EXIT.failure, http: 500, action: 'Create the ledger once with `sunshare ledger create --ledger PATH` (or a postgres:// URL), or point --ledger or DATABASE_URL at the existing one; no command but create makes a ledger.' },
  LEDGER_EXISTS: { exit: EXIT.failure, http: 409, action: 'The ledger is already there: use it as it is (every command brings its schema up to date), or give another path to create a new one.' },
  LEDGER_OPEN_FAILED: { exit: EXIT.unavailable, http: 500, action: 'Check the --ledger path or DATABASE_URL, that PostgreSQL runs, and the credentials.' },
  PAYOUT_BAD_DATE: { exit: EXIT.usage, http: 400, action: 'Give dates as YYYY-MM-DD, with from on or before to.' },
  PAYOUT_BAD_MONTH: { exit: EXIT.usage, http: 400, action: 'Give the month as YYYY-MM.' },
  PAYOUT_RANGE_TOO_LONG: { exit: EXIT.usage, http: 400, action: 'Settle in ranges of at most ten years.' },
  PAYOUT_SCHEDULE: { exit: EXIT.usage, http: 400, action: 'Give the nightly run time as HH:MM (24-hour, local time of the sites) and its time zone as an IANA name (such as Asia/Shanghai).' },
  PAYOUT_LOCKED: { exit: EXIT.tempfail, http: 409, action: 'Another payout run is in progress; wait for it to finish (the lock lapses on its own if that run died) and start again.' },
  PAYOUT_MONTH_ORDER: { exit: EXIT.failure, http: 409, action: 'Close the earlier month the message names first: months close in order.' },
  PAYOUT_SKIPPED: { exit: EXIT.data, http: 500, action: 'Complete the registry for the site-days listed (allocations, tariff) and run again; settled days are kept.' },
  PAYOUT_DATA_MISSING: { exit: EXIT.data, http: 422, action: 'Some site-days were settled with missing or partial data (listed by site and day): import the grid company\'s reads or let late telemetry arrive, then run again; the differences are posted as adjustments.' },
  PAYOUT_UNAVAILABLE: { exit: EXIT.unavailable, http: 503, action: 'Start the API with the ledger the payout service settles (see docs/api.md).' },
  PAYOUT_RUN_NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Check the run id; the API keeps its last 50 runs, finished ones are in /settlement-runs.' },
  PAYOUT_RUN_FAILED: { exit: EXIT.software, http: 500, action: 'The run stopped; the server log has the cause under the run id. Fix it and start the run again: days already settled are kept.' },

  // Registry and reports
  REGISTRY_FILE: { exit: EXIT.data, http: 400, action: 'Give a readable .csv or .xlsx file, saved by a spreadsheet program (CSV in UTF-8).' },
  REGISTRY_FORMAT: { exit: EXIT.usage, http: 415, action: 'Send the file with Content-Type text/csv (and ?kind=) or the XLSX type.' },
  REGISTRY_KIND_MISSING: { exit: EXIT.usage, http: 400, action: 'Say what the CSV holds with ?kind= (sites, devices, households, allocations, tariffs or policies).' },
  REPORT_NOTHING_SETTLED: { exit: EXIT.failure, http: 404, action: 'Settle the month first (the message gives the command), or check the month and --ledger.' },
  REGISTRY_EMPTY: { exit: EXIT.failure, http: 409, action: 'Import the registry first (sunshare registry import), or point --ledger at the ledger that has it.' },
  REGISTRY_INVALID: { exit: EXIT.data, http: 400, action: 'Nothing was imported: fix every row listed under the message (file, line and column) and import again.' },
  METER_READS_INVALID: { exit: EXIT.data, http: 400, action: 'Nothing was imported: fix every row listed under the message and import the file again.' },
  REPORT_NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Use one of the report kinds the message lists.' },
  REPORT_FORMAT_UNSUPPORTED: { exit: EXIT.usage, http: 400, action: 'Ask for one of the formats the message lists for that report.' },
  REPORT_FONT_MISSING: { exit: EXIT.unavailable, http: 500, action: 'Install the Chinese font the printable notice embeds: the Debian package fonts-wqy-microhei (apt-get install fonts-wqy-microhei).' },
  REPORT_DIGEST_MISMATCH: { exit: EXIT.data, http: 409, action: 'The ledger no longer holds what the printed report was made from (a later run or correction): print the report again and compare the two.' },
  HOUSEHOLD_NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Check the household id (GET /households lists them).' },

  // Receipts, the month's workflow and payments (docs/payments.md)
  RECEIPTS_INVALID: { exit: EXIT.data, http: 400, action: 'Nothing was imported: fix every row listed under the message (file, line and column) and import the file again.' },
  PAYOUT_POLICY_INVALID: { exit: EXIT.usage, http: 400, action: 'Give the policy as accrual or receipt and a payer account; a site whose beneficiaries were paid keeps its payer account.' },
  MONTH_STEP_REFUSED: { exit: EXIT.failure, http: 409, action: 'Do the steps in order (draft, post, approve, pay, results); the message names the state the month is in and what it needs.' },
  MONTH_CHANGED: { exit: EXIT.failure, http: 409, action: 'The month changed since its draft was posted (late lines or a correction): draft and post it again.' },
  APPROVER_IS_PREPARER: { exit: EXIT.noperm, http: 403, action: 'A second person with the approver role approves the month; whoever prepared it cannot.' },
  MONTH_ALREADY_PAID: { exit: EXIT.failure, http: 409, action: 'This month has its payment batch already; export its file again or import its results, corrections are paid next month.' },
  PAYMENT_RESULTS_PENDING: { exit: EXIT.failure, http: 409, action: 'Import the bank results of the earlier payment file the message names before paying a later month.' },
  PAYMENT_TEMPLATE_INVALID: { exit: EXIT.config, http: 400, action: 'Fix the payment file template as listed under the message (docs/payments.md describes the format), or name a template that exists.' },
  PAYMENT_FILE_EMPTY: { exit: EXIT.failure, http: 404, action: 'This month has no payment for that payer account: check the month and --payer (the message lists the accounts it has).' },
  PAYMENT_RESULTS_INVALID: { exit: EXIT.data, http: 400, action: 'Nothing was imported: fix every row listed under the message and import the result file again.' },

  // The API
  REQUEST_INVALID: { exit: EXIT.usage, http: 400, action: 'Fix each field listed under the message; /docs describes every route.' },
  REQUEST_BODY_INVALID: { exit: EXIT.usage, http: 400, action: 'Send a body of the content type the route takes (JSON unless /docs says otherwise). The status is the framework\'s: 400, or 415 for an unsupported content type.' },
  REQUEST_TOO_LARGE: { exit: EXIT.usage, http: 413, action: 'Send a smaller body (split the import into several files).' },
  REQUEST_REJECTED: { exit: EXIT.usage, http: 400, action: 'The server rejected the request as the message says; the status is the framework\'s (a 4xx).' },
  NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Check the method and path; /docs lists the routes.' },
  INTERNAL: { exit: EXIT.software, http: 500, action: 'A bug: report it with the message and the request id it names (the server log has the cause) or, from the command line, the stack printed under it.' },
  AUTH_MISSING: { exit: EXIT.noperm, http: 401, action: 'Send "Authorization: Bearer <token>"; an admin creates tokens with `sunshare api token create`.' },
  AUTH_INVALID: { exit: EXIT.noperm, http: 401, action: 'The token is unknown or revoked; ask an admin for a new one.' },
  AUTH_FORBIDDEN: { exit: EXIT.noperm, http: 403, action: 'Use a token with one of the roles the message names, or ask an admin for one.' },
  AUTH_RATE_LIMITED: { exit: EXIT.tempfail, http: 429, action: 'Wait the time the message (and Retry-After) gives, then use a valid token.' },
  TOKEN_NAME_INVALID: { exit: EXIT.usage, http: 400, action: 'Name the token with 1-64 letters, digits, spaces or _.@-' },
  TOKEN_ROLE_INVALID: { exit: EXIT.usage, http: 400, action: 'Give one of the roles the message lists (docs/api.md says what each may do).' },
  TOKEN_NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Check the id with `sunshare api token list`.' },
  SITE_NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Check the site id (GET /sites lists them) or register the site first.' },
  SITE_EXISTS: { exit: EXIT.failure, http: 409, action: 'Change the existing site with PATCH /sites/{id}, or choose another id.' },
  DEVICE_EXISTS: { exit: EXIT.failure, http: 409, action: 'Choose another device id, or change the existing device.' },
  DEVICE_KIND_INVALID: { exit: EXIT.data, http: 400, action: 'Give the device kind as inverter or meter.' },
  SITE_TIME_ZONE_INVALID: { exit: EXIT.data, http: 400, action: 'Give the site time zone as an IANA name (such as Asia/Shanghai); every day the site earns is counted in it.' },
  SITE_CAPACITY_INVALID: { exit: EXIT.data, http: 400, action: 'Give the site capacity as a positive whole number of W.' },
  SITE_CAPACITY_BELOW_ALLOCATED: { exit: EXIT.failure, http: 409, action: 'End or move allocations first (the message gives the kW allocated), or give a capacity at least that large.' },

  // The simulator
  SIM_CLOCK: { exit: EXIT.usage, http: 400, action: 'Fix the clock setting or request as the message says (firmware-sim/README.md).' },
  SIM_DEVICE_UNKNOWN: { exit: EXIT.failure, http: 404, action: 'Use one of the simulated device ids listed under the message.' },
  SIM_FAULT_INVALID: { exit: EXIT.config, http: 400, action: 'Fix the fault as listed under the message (firmware-sim/README.md lists the fault kinds).' },
  SIM_FAULT_UNSUPPORTED: { exit: EXIT.usage, http: 400, action: 'This device profile cannot have that fault; inject it into another device.' },

  // The monitor
  MONITOR_ALARM_NOT_FOUND: { exit: EXIT.failure, http: 404, action: 'Check the alarm id (GET /alarms lists them).' },
  MONITOR_NOTIFY_FAILED: { exit: EXIT.unavailable, http: 502, action: 'Check the webhook URL or SMTP server named in the message is reachable and accepts the message; the monitor retries with the next batch.' },
} as const satisfies Record<string, ErrorEntry>;

/** Every error code; a code that is not in ERRORS fails the typecheck. */
export type ErrorCode = keyof typeof ERRORS;

export class SunshareError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];
  /** The HTTP status from ERRORS. */
  readonly httpStatus: number;
  /** The exit status of the CLI from ERRORS. */
  readonly exitStatus: number;

  constructor(code: ErrorCode, message: string, opts: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SunshareError';
    this.code = code;
    this.details = opts.details ?? [];
    this.httpStatus = ERRORS[code].http;
    this.exitStatus = ERRORS[code].exit;
  }

  /** The message and every detail, one per line, as a CLI prints it. */
  describe(): string {
    return [`${this.code}: ${this.message}`, ...this.details.map((d) => `  - ${d}`)].join('\n');
  }
}

export const isSunshareError = (err: unknown): err is SunshareError => err instanceof SunshareError;
