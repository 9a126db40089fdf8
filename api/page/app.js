/* global document, location, history, localStorage, URLSearchParams */
// The status page: polls the API with the token from ?token= (kept in localStorage) and renders
// the sites' own date and time, sites, today's money, open alarms, today's power chart and the last
// payout run with its report downloads.
import { drawChart } from './chart.js';
import { TEXTS, pickLang } from './i18n.js';

const params = new URLSearchParams(location.search);
const EVERY_MS = Math.max(500, Number(params.get('every') ?? 2000));
let lang = pickLang();
let token = params.get('token') ?? localStorage.getItem('sunshare.token');
let timer;
const $ = (id) => document.getElementById(id);
const t = (key) => TEXTS[lang][key] ?? key;

if (params.has('token')) {
  localStorage.setItem('sunshare.token', token);
  params.delete('token');
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined));
  return res;
}

const kw = (w) => (w === undefined || w === null ? '–' : `${(w / 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: 1 })} kW`);
const yuan = (fen) => `¥${(fen / 100).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const kwh = (wh) => (wh === undefined || wh === null ? '–' : `${(wh / 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: 1 })} kWh`);

function applyTexts() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  $('lang').textContent = t('lang');
}

/** The tariff (rate units of 0.00001 yuan/kWh, grid + subsidy) of a site on a day, as the settlement uses it. */
function rateOn(tariffs, site, day) {
  const t = tariffs.filter((x) => x.site === site && x.validFrom <= day && (!x.validTo || x.validTo >= day)).sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1))[0];
  return t ? t.gridRate + t.subsidyRate : undefined;
}
/** energy x rate: Wh x (0.00001 yuan/kWh) = 1/1,000,000 fen. */
const moneyFen = (s, tariffs) => {
  const rate = s.day && s.energyTodayWh !== undefined ? rateOn(tariffs, s.id, s.day) : undefined;
  return rate === undefined ? undefined : Math.round((s.energyTodayWh * rate) / 1_000_000);
};

/** The sites' own date and time (the newest reading's, in the site's zone): simulated in the demo. */
function renderSiteTime(sites) {
  const newest = sites.filter((s) => s.lastReadingAt).sort((a, b) => b.lastReadingAt - a.lastReadingAt)[0];
  if (!newest) return;
  const text = new Date(newest.lastReadingAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-CA', { timeZone: newest.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const simulated = Math.abs(newest.lastReadingAt - Date.now()) > 10 * 60_000;
  $('site-time').textContent = `${t('siteTime')} ${text}${simulated ? ` (${t('simulated')})` : ''}`;
}

function renderSites(sites, tariffs) {
  const online = sites.filter((s) => s.online).length;
  $('sum-online').textContent = `${online} ${t('of')} ${sites.length}`;
  $('sum-power').textContent = kw(sites.reduce((a, s) => a + (s.powerW ?? 0), 0));
  $('sum-energy').textContent = kwh(sites.reduce((a, s) => a + (s.energyTodayWh ?? 0), 0));
  const money = sites.map((s) => moneyFen(s, tariffs)).filter((f) => f !== undefined);
  $('sum-money').textContent = money.length ? yuan(money.reduce((a, b) => a + b, 0)) : '–';
  renderSiteTime(sites);
  $('site-rows').replaceChildren(
    ...sites.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.site = s.id;
      // the true percentage of a clear day, uncapped; only the bar stops at its end
      const pct = s.expectedTodayWh ? Math.round(((s.energyTodayWh ?? 0) / s.expectedTodayWh) * 100) : 0;
      tr.innerHTML = `<td></td><td><span class="badge"></span></td><td class="num power"></td><td class="num energy"></td>
        <td><div class="bar" title=""><span></span></div><small></small></td>`;
      tr.cells[0].textContent = s.name;
      const badge = tr.cells[1].firstElementChild;
      badge.textContent = t(s.online ? 'online' : 'offline');
      badge.classList.add(s.online ? 'online' : 'offline');
      tr.cells[2].textContent = kw(s.powerW);
      tr.cells[3].textContent = kwh(s.energyTodayWh);
      tr.cells[4].querySelector('span').style.width = `${Math.min(100, pct)}%`;
      tr.cells[4].querySelector('small').textContent = `${pct}% ${t('of')} ${kwh(s.expectedTodayWh)}`;
      return tr;
    }),
  );
}

function renderAlarms(alarms, names, zones) {
  $('alarm-count').textContent = String(alarms.length);
  $('alarms-none').hidden = alarms.length > 0;
  $('alarm-rows').replaceChildren(
    ...alarms.map((a) => {
      const tr = document.createElement('tr');
      tr.dataset.alarm = a.id;
      tr.className = `sev-${a.severity}`;
      tr.innerHTML = '<td></td><td></td><td></td><td class="num"></td>';
      tr.cells[0].textContent = `${names.get(a.site) ?? a.site}${a.device ? ` · ${a.device}` : ''}`;
      tr.cells[1].textContent = a.message;
      tr.cells[2].textContent = new Date(a.raisedAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-CA', { timeZone: zones.get(a.site), month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      tr.cells[3].textContent = a.lost.fen > 0 ? `${yuan(a.lost.fen)} (${t('households')} ${yuan(a.lost.householdsFen)})` : '–';
      return tr;
    }),
  );
}

async function download(kind, format, run) {
  $('download-error').textContent = '';
  try {
    const res = await api(`/reports/${kind}?month=${run.to.slice(0, 7)}&format=${format}`);
    const name = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
    const a = document.createElement('a');
    a.href = URL.createObjectURL(await res.blob());
    a.download = name ? decodeURIComponent(name) : `${kind}.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (err) {
    $('download-error').textContent = err.status === 403 ? t('needsFinance') : err.message;
  }
}

let lastRunKey = '';
function renderRun(run, reports) {
  const key = `${lang}|${run?.id}|${reports.map((r) => r.kind).join()}`;
  if (key === lastRunKey) return;
  lastRunKey = key;
  if (!run) {
    $('last-run').textContent = t('noRun');
    $('downloads').replaceChildren();
    return;
  }
  $('last-run').textContent = `${run.from} – ${run.to}: ${t('posted')} ${run.posted}, ${t('unchanged')} ${run.unchanged}, ${t('skipped')} ${run.skipped}; ${t('finished')} ${new Date(run.finishedAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')}`;
  if (reports.length === 0) $('downloads').textContent = t('noReports');
  else
    $('downloads').replaceChildren(
      ...reports.flatMap((r) =>
        r.formats.map((format) => {
          const b = document.createElement('button');
          b.type = 'button';
          b.dataset.report = `${r.kind}.${format}`;
          b.textContent = `${r.description} (${format.toUpperCase()})`;
          b.addEventListener('click', () => download(r.kind, format, run));
          return b;
        }),
      ),
    );
}

function renderMonths(months) {
  if (months.length === 0) {
    $('month-rows').replaceChildren();
    return;
  }
  $('month-rows').replaceChildren(
    ...months.map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.month = m.month;
      tr.innerHTML = '<td></td><td></td><td></td>';
      tr.cells[0].textContent = m.month;
      tr.cells[1].textContent = t(`state.${m.state}`);
      tr.cells[2].textContent = m.steps.map((s) => `${t(`state.${s.step}`)}: ${s.actor} ${new Date(s.at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en')}`).join(' · ');
      return tr;
    }),
  );
}

async function refresh() {
  try {
    const [sites, power, runs, reports, months, tariffs, alarms] = await Promise.all([
      api('/sites?limit=500').then((r) => r.json()),
      api('/live/power').then((r) => r.json()),
      api('/settlement-runs?limit=1').then((r) => r.json()),
      api('/reports').then((r) => r.json()),
      api('/payout-months').then((r) => r.json()),
      api('/tariffs?limit=500').then((r) => r.json()),
      api('/alarms?status=open&limit=100').then((r) => r.json()),
    ]);
    renderSites(sites.items, tariffs.items);
    const zones = new Map(sites.items.map((s) => [s.id, s.timeZone]));
    const names = new Map(sites.items.map((s) => [s.id, s.name]));
    renderAlarms(alarms.items, names, zones);
    drawChart($('chart'), power.items.map((p) => ({ ...p, name: names.get(p.site) ?? p.site, timeZone: zones.get(p.site) })));
    renderRun(runs.items[0], reports.items);
    renderMonths(months.items);
    $('updated').textContent = `${t('updated')} ${new Date().toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en')}`;
  } catch (err) {
    if (err.status === 401) return showLogin(`${t('badToken')}: ${err.message}`);
    $('updated').textContent = `${t('failed')}: ${err.message}`;
  }
  timer = setTimeout(refresh, EVERY_MS);
}

function showLogin(message = '') {
  clearTimeout(timer);
  $('main').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
}

function start() {
  $('login').hidden = true;
  $('main').hidden = false;
  clearTimeout(timer);
  refresh();
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token-input').value.trim();
  localStorage.setItem('sunshare.token', token);
  start();
});
$('logout').addEventListener('click', (e) => {
  e.preventDefault();
  localStorage.removeItem('sunshare.token');
  token = null;
  showLogin();
});
$('lang').addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('sunshare.lang', lang);
  applyTexts();
  lastRunKey = '';
  clearTimeout(timer);
  refresh();
});

applyTexts();
if (token) start();
else showLogin();
