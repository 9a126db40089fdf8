/** Personal data as the API shows it: enough to recognise, not enough to use. */
export const maskIdCard = (v: string): string => (v.length <= 7 ? '*'.repeat(v.length) : `${v.slice(0, 3)}${'*'.repeat(v.length - 7)}${v.slice(-4)}`);
export const maskAccount = (v: string): string => (v.length <= 4 ? '*'.repeat(v.length) : `${'*'.repeat(v.length - 4)}${v.slice(-4)}`);
/** Chinese names keep the family name (张**); others their first letter. */
export const maskName = (v: string): string => (v.length <= 1 ? v : v[0] + '*'.repeat(Math.min(v.length - 1, 6)));
