import { LEDGER } from './datasources.ts';

/**
 * The monitor's alarms (ledger table `alarms`, epoch ms on the data clock) as
 * Grafana shows them: annotations on the time axes (start to end, or to now
 * while open) and a table. `$site` is the dashboard's site variable.
 */
export const ALARM_ANNOTATION_SQL = `SELECT raised_at / 1000 AS time, COALESCE(cleared_at, raised_at) / 1000 AS timeend,
  severity || ': ' || message AS text, kind || ',' || severity AS tags
FROM alarms
WHERE site_id = '$site' AND $__unixEpochFilter(raised_at / 1000)
ORDER BY raised_at`;

export const ALARM_TABLE_SQL = `SELECT to_timestamp(raised_at / 1000.0) AS "Raised",
  CASE WHEN cleared_at IS NULL THEN NULL ELSE to_timestamp(cleared_at / 1000.0) END AS "Cleared",
  severity AS "Severity", kind AS "Kind", COALESCE(device_id, gateway_id, '') AS "Device", message AS "Message",
  COALESCE(acknowledged_by, '') AS "Acknowledged by",
  round(lost_wh / 1000.0, 1) AS "Lost kWh", round(lost_fen / 100.0, 2) AS "Lost yuan", round(households_fen / 100.0, 2) AS "Households' yuan"
FROM alarms
WHERE site_id = '$site' AND (cleared_at IS NULL OR $__unixEpochFilter(cleared_at / 1000) OR $__unixEpochFilter(raised_at / 1000))
ORDER BY raised_at DESC
LIMIT 200`;

export const alarmAnnotation = {
  name: 'Alarms',
  datasource: LEDGER,
  enable: true,
  iconColor: 'red',
  target: { refId: 'Anno', rawSql: ALARM_ANNOTATION_SQL, format: 'table', editorMode: 'code', rawQuery: true },
};
