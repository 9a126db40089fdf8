import { Type, type Static } from '@sinclair/typebox';
import { INVERTER_STATES, TARIFF_ENERGY_FIELDS } from '../contract.ts';

/**
 * Schemas of the device register maps in common/devices/ (see README.md there).
 * The simulator ENCODES with these files and the gateway DECODES with them,
 * so a new device is a data file, not code.
 */

/** The normalized Reading fields (common/contract.ts) a point can feed. */
export const FIELDS = [
  'ac_power_w',
  'ac_energy_wh',
  'dc_power_w',
  'ac_voltage_v',
  'ac_current_a',
  'frequency_hz',
  'temperature_c',
  'poa_irradiance_w_m2',
  'module_temperature_c',
  'state',
  'alarms',
  'export_energy_wh',
  'import_energy_wh',
  ...TARIFF_ENERGY_FIELDS,
] as const;
export type Field = (typeof FIELDS)[number];
const FieldSchema = Type.Union(FIELDS.map((f) => Type.Literal(f)));

/** Identity points: what a device says about itself. */
export const IDENTITIES = ['manufacturer', 'model', 'serial', 'version', 'rated_power'] as const;
export type Identity = (typeof IDENTITIES)[number];
const IdentitySchema = Type.Union(IDENTITIES.map((f) => Type.Literal(f)));

export const SUNSPEC_TYPES = [
  'int16',
  'uint16',
  'acc16',
  'enum16',
  'bitfield16',
  'sunssf',
  'count',
  'pad',
  'int32',
  'uint32',
  'acc32',
  'bitfield32',
  'float32',
  'string',
] as const;
export type SunSpecType = (typeof SUNSPEC_TYPES)[number];

export const VENDOR_TYPES = ['int16', 'uint16', 'enum16', 'bitfield16', 'int32', 'uint32', 'bitfield32', 'float32', 'string'] as const;
export type VendorType = (typeof VENDOR_TYPES)[number];

/** Every type the codec knows (the union of both lists). */
export type RegisterType = SunSpecType | VendorType;

const Symbol = Type.Object(
  {
    value: Type.Integer({ minimum: 0, maximum: 0xffff }),
    name: Type.String({ minLength: 1 }),
    /** The contract state (common/contract.ts INVERTER_STATES) this value means, for `field: state`. */
    state: Type.Optional(Type.Union(INVERTER_STATES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);
export type EnumSymbol = Static<typeof Symbol>;

const Bit = Type.Object(
  { bit: Type.Integer({ minimum: 0, maximum: 31 }), name: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type BitMeaning = Static<typeof Bit>;

const PointName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' });

/**
 * Quantities of the simulator's physics (firmware-sim/devices/values.ts), in SI units, that a point
 * without a contract field can show: `sim: { quantity: mppt_voltage_v }`.
 */
export const SIM_QUANTITIES = [
  'phase_b_voltage_v',
  'phase_c_voltage_v',
  'phase_b_current_a',
  'phase_c_current_a',
  /** Sum of the three phase currents (SunSpec `A`). */
  'total_current_a',
  'mppt_voltage_v',
  /** Current of one MPP tracker (the DC power spread evenly over the trackers). */
  'mppt_current_a',
  'mppts',
  /** Two strings per MPP tracker. */
  'strings',
  'max_power_w',
  'reactive_power_var',
  /** Ratio, 1 = unity. */
  'power_factor',
  'efficiency_pct',
  'daily_energy_wh',
  'running_hours',
] as const;
export type SimQuantity = (typeof SIM_QUANTITIES)[number];

/**
 * What the simulator puts in a point that has no contract field or identity (or another value than
 * the field's): a physics quantity, or a constant `value` (with `faultValue` while the device is in
 * fault). Exactly one of `quantity` and `value`. Points with neither `sim`, `field` nor `identity`
 * read as not implemented.
 */
export const SimSource = Type.Object(
  {
    quantity: Type.Optional(Type.Union(SIM_QUANTITIES.map((q) => Type.Literal(q)))),
    value: Type.Optional(Type.Union([Type.Number(), Type.String()])),
    faultValue: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type SimSource = Static<typeof SimSource>;

/** What a point means, shared by SunSpec and vendor-map points: the contract field it feeds, identity, enums and bits. */
const pointMeaning = {
    field: Type.Optional(FieldSchema),
    identity: Type.Optional(IdentitySchema),
    label: Type.Optional(Type.String()),
    symbols: Type.Optional(Type.Array(Symbol)),
    bits: Type.Optional(Type.Array(Bit)),
    sim: Type.Optional(SimSource),
};

/**
 * How the simulator presents a device of a map: the model name (`{ratedKw}` = rated AC power in
 * kW, rounded) and the serial number's prefix (8 digits follow). A config's `model`/`serial` win.
 */
export const SimIdentity = Type.Object(
  {
    manufacturer: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    model: Type.String({ minLength: 1, maxLength: 30 }),
    serialPrefix: Type.String({ pattern: '^[A-Za-z0-9-]{1,8}$' }),
  },
  { additionalProperties: false },
);
export type SimIdentity = Static<typeof SimIdentity>;

export const SunSpecPoint = Type.Object(
  {
    name: PointName,
    /** Registers from the model's first data register: offset 0 is the register right after L. */
    offset: Type.Integer({ minimum: 0 }),
    /** Registers. */
    size: Type.Integer({ minimum: 1, maximum: 64 }),
    type: Type.Union(SUNSPEC_TYPES.map((t) => Type.Literal(t))),
    /** Name of the sunssf point that scales this one: value = raw x 10^sf. */
    sf: Type.Optional(PointName),
    units: Type.Optional(Type.String()),
    mandatory: Type.Optional(Type.Boolean()),
    ...pointMeaning,
  },
  { additionalProperties: false },
);
export type SunSpecPoint = Static<typeof SunSpecPoint>;

export const SunSpecModel = Type.Object(
  {
    id: Type.Integer({ minimum: 1, maximum: 0xfffe }),
    name: Type.String({ minLength: 1 }),
    label: Type.String(),
    kind: Type.Union([Type.Literal('common'), Type.Literal('inverter'), Type.Literal('meter'), Type.Literal('extension')]),
    /** Registers in the fixed block (after ID and L); L equals this when there is no repeating block. */
    length: Type.Integer({ minimum: 0 }),
    /** The fixed block's points (none in model 302: only its repeating block). */
    points: Type.Array(SunSpecPoint),
    /** A block repeated N times after the fixed block (model 160: one per MPPT; model 302: one per irradiance sensor). */
    repeating: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          /** Fixed-block point holding the number of blocks; absent, the number follows from L (model 302). */
          countPoint: Type.Optional(PointName),
          blockLength: Type.Integer({ minimum: 1 }),
          /** Offsets are from the start of each block. */
          points: Type.Array(SunSpecPoint, { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SunSpecModel = Static<typeof SunSpecModel>;

export const VendorPoint = Type.Object(
  {
    name: PointName,
    /** The register address sent on the wire (0-based PDU address). */
    address: Type.Integer({ minimum: 0, maximum: 0xffff }),
    registerType: Type.Union([Type.Literal('holding'), Type.Literal('input')]),
    type: Type.Union(VENDOR_TYPES.map((t) => Type.Literal(t))),
    /** Registers; required for strings, otherwise implied by the type. */
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /** Order of the 16-bit words of 32-bit values: big = high word first. */
    wordOrder: Type.Union([Type.Literal('big'), Type.Literal('little')], { default: 'big' }),
    /** value = raw / gain. */
    gain: Type.Number({ exclusiveMinimum: 0, default: 1 }),
    units: Type.Optional(Type.String()),
    /** Raw values (unsigned view of the words) that mean "no value". */
    invalid: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 0xffffffff }))),
    ...pointMeaning,
  },
  { additionalProperties: false },
);
export type VendorPoint = Static<typeof VendorPoint>;

export const VendorMap = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    manufacturer: Type.String({ minLength: 1 }),
    description: Type.String(),
    kind: Type.Union([Type.Literal('inverter'), Type.Literal('meter')]),
    /**
     * `plant`: a data logger's plant-level totals, the sum of inverters that can also be read one by
     * one (Huawei SmartLogger at unit 0). The gateway runs such a device only as the one source of
     * inverter energy in its config (gateway/profiles/plant.ts): never beside inverters.
     */
    scope: Type.Optional(Type.Literal('plant')),
    /** What the simulator shows as the device's identity; default model `<ID>-{ratedKw}K`, serial prefix `SN`. */
    simulator: Type.Optional(SimIdentity),
    points: Type.Array(VendorPoint, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type VendorMap = Static<typeof VendorMap>;

/**
 * A SunSpec device the simulator serves (`sunspec-devices/<id>.yaml`): its model chain after `SunS`
 * and its identity. The gateway needs no such file: it discovers the chain.
 */
export const SunSpecDevice = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    description: Type.String(),
    /**
     * The models in chain order, each a shipped `sunspec/<id>.yaml`. `blocks: mppts` repeats a
     * model's block once per MPP tracker (the device config's `mppts`), `blocks: <n>` n times
     * (model 302: one per irradiance sensor). Model 1 comes first.
     */
    models: Type.Array(
      Type.Object(
        {
          id: Type.Integer({ minimum: 1, maximum: 0xfffe }),
          blocks: Type.Optional(Type.Union([Type.Literal('mppts'), Type.Integer({ minimum: 1, maximum: 16 })])),
        },
        { additionalProperties: false },
      ),
      { minItems: 2 },
    ),
    simulator: SimIdentity,
  },
  { additionalProperties: false },
);
export type SunSpecDevice = Static<typeof SunSpecDevice>;

/** What a simulated DL/T 645 meter can show besides a point's contract field: the energy of one tariff period. */
export const DLT645_SIM_QUANTITIES = ['import_tariff_wh', 'export_tariff_wh'] as const;

/**
 * One data identifier of a DL/T 645-2007 meter map (`dlt645-maps/<id>.yaml`): the DI as the standard
 * prints it (DI3 DI2 DI1 DI0), its data format (`XXXXXX.XX`: BCD digits and decimals), whether its
 * top bit is a sign, its units, and the contract field it feeds. Points without a field are read
 * only by `sunshare gateway --probe`.
 */
export const Dlt645Point = Type.Object(
  {
    name: PointName,
    di: Type.String({ pattern: '^[0-9A-F]{8}$' }),
    format: Type.String({ pattern: '^X+(\\.X+)?$' }),
    signed: Type.Boolean({ default: false }),
    units: Type.Optional(Type.String()),
    field: Type.Optional(FieldSchema),
    label: Type.Optional(Type.String()),
    sim: Type.Optional(
      Type.Object(
        {
          quantity: Type.Union([...SIM_QUANTITIES, ...DLT645_SIM_QUANTITIES].map((q) => Type.Literal(q))),
          /** Tariff period 1-4 (sharp, peak, flat, valley) for the tariff quantities. */
          tariff: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Dlt645Point = Static<typeof Dlt645Point>;

export const Dlt645Map = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    protocol: Type.Literal('dlt645-2007'),
    manufacturer: Type.String({ minLength: 1 }),
    description: Type.String(),
    kind: Type.Literal('meter'),
    points: Type.Array(Dlt645Point, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Dlt645Map = Static<typeof Dlt645Map>;
