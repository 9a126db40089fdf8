/* global document, location, history, localStorage, URLSearchParams */
// The status page: polls the API with the token from ?token= (kept in localStorage) and renders
// sites, today's power chart and the last payout run with its report downloads.
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
const kwh = (wh) => (wh === undefined || wh === null ? '–' : `${(wh / 1000).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: 1 })} kWh`);

function applyTexts() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  $('lang').textContent = t('lang');
}

function renderSites(sites) {
  const online = sites.filter((s) => s.online).length;
  $('sum-online').textContent = `${online} ${t('of')} ${sites.length}`;
  $('sum-power').textContent = kw(sites.reduce((a, s) => a + (s.powerW ?? 0), 0));
  $('sum-energy').textContent = kwh(sites.reduce((a, s) => a + (s.energyTodayWh ?? 0), 0));
  $('site-rows').replaceChildren(
    ...sites.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.site = s.id;
      const pct = s.expectedTodayWh ? Math.min(100, Math.round(((s.energyTodayWh ?? 0) / s.expectedTodayWh) * 100)) : 0;
      tr.innerHTML = `<td></td><td><span class="badge"></span></td><td class="num power"></td><td class="num energy"></td>
        <td><div class="bar" title=""><span></span></div><small></small></td>`;
      tr.cells[0].textContent = s.name;
      const badge = tr.cells[1].firstElementChild;
      badge.textContent = t(s.online ? 'online' : 'offline');
      badge.classList.add(s.online ? 'online' : 'offline');
      tr.cells[2].textContent = kw(s.powerW);
      tr.cells[3].textContent = kwh(s.energyTodayWh);
      tr.cells[4].querySelector('span').style.width = `${pct}%`;
      tr.cells[4].querySelector('small').textContent = `${pct}% ${t('of')} ${kwh(s.expectedTodayWh)}`;
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
    const [sites, power, runs, reports, months] = await Promise.all([
      api('/sites?limit=500').then((r) => r.json()),
      api('/live/power').then((r) => r.json()),
      api('/settlement-runs?limit=1').then((r) => r.json()),
      api('/reports').then((r) => r.json()),
      api('/payout-months').then((r) => r.json()),
    ]);
    renderSites(sites.items);
    const zones = new Map(sites.items.map((s) => [s.id, s.timeZone]));
    drawChart($('chart'), power.items.map((p) => ({ ...p, timeZone: zones.get(p.site) })));
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
