import { SunshareError } from '../../common/errors.ts';

/**
 * One convention for every report, statement and reconciliation: the same
 * formats and the same default (xlsx: one workbook, a sheet per table). CSV
 * is one UTF-8 file with BOM per table; PDF is the printable 公示 only.
 * (Kept apart from the builders so the CLI's --help can show it cheaply.)
 */
export const REPORT_FORMATS = ['xlsx', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const DEFAULT_REPORT_FORMAT: ReportFormat = 'xlsx';

export function reportFormat(v: string | undefined, allowed: readonly ReportFormat[] = REPORT_FORMATS): ReportFormat {
  const f = v ?? DEFAULT_REPORT_FORMAT;
  if (!(allowed as readonly string[]).includes(f)) throw new SunshareError('REPORT_FORMAT_UNSUPPORTED', `--format must be ${allowed.join(', ')}; got "${f}"`);
  return f as ReportFormat;
}
