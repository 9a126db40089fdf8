/* global document, localStorage, MutationObserver */
// The household statement view (finance): one household's month as the API gives it
// (GET /households/{id}/statement), with the 合计 row, the flags' legend and the provenance.
const TEXTS = {
  en: { title: 'Household statement', household: 'Household id', month: 'Month', show: 'Show', needsFinance: 'Statements need a finance or admin token.', empty: 'No lines this month.' },
  zh: { title: '农户对账单', household: '户编号', month: '月份', show: '查看', needsFinance: '查看对账单需要 finance 或 admin 令牌。', empty: '本月没有记录。' },
};
const $ = (id) => document.getElementById(id);
const lang = () => (document.documentElement.lang === 'zh-CN' ? 'zh' : 'en');
const t = (key) => TEXTS[lang()][key];

function applyTexts() {
  $('st-title').textContent = t('title');
  $('st-household').placeholder = t('household');
  $('st-household').setAttribute('aria-label', t('household'));
  $('st-month').setAttribute('aria-label', t('month'));
  $('st-show').textContent = t('show');
}

/** Integer fen and Wh as the reports print them: yuan with 2 decimals, kWh and kW with 3. */
function cell(kind, v) {
  if (v === null || v === undefined) return '';
  if (kind === 'yuan') return (v / 100).toFixed(2);
  if (kind === 'kwh' || kind === 'kw') return (v / 1000).toFixed(3);
  return String(v);
}

function render(st) {
  const table = document.createElement('table');
  table.dataset.testid = 'statement-table';
  const head = table.createTHead().insertRow();
  for (const c of st.columns) {
    const th = document.createElement('th');
    th.textContent = c.header;
    head.append(th);
  }
  const body = table.createTBody();
  const addRow = (r, cls) => {
    const tr = body.insertRow();
    if (cls) tr.className = cls;
    for (const c of st.columns) {
      const td = tr.insertCell();
      td.textContent = cell(c.kind, r[c.key]);
      if (c.kind && c.kind !== 'text') td.className = 'num';
    }
  };
  for (const r of st.rows) addRow(r, r.item === '更正调整' ? 'correction' : '');
  addRow(st.total, 'total');
  const title = document.createElement('h3');
  title.textContent = st.title;
  const notes = document.createElement('ul');
  notes.className = 'notes';
  for (const n of st.notes) {
    const li = document.createElement('li');
    li.textContent = n;
    notes.append(li);
  }
  $('st-result').replaceChildren(title, st.rows.length ? table : t('empty'), notes);
}

async function show(e) {
  e.preventDefault();
  $('st-error').textContent = '';
  const id = $('st-household').value.trim();
  const month = $('st-month').value;
  const res = await fetch(`/households/${encodeURIComponent(id)}/statement?month=${encodeURIComponent(month)}`, {
    headers: { authorization: `Bearer ${localStorage.getItem('sunshare.token')}` },
  });
  const body = await res.json().catch(() => undefined);
  if (!res.ok) {
    $('st-result').replaceChildren();
    $('st-error').textContent = res.status === 403 ? t('needsFinance') : (body?.error?.message ?? `HTTP ${res.status}`);
    return;
  }
  render(body);
}

$('statement-form').addEventListener('submit', (e) => void show(e));
applyTexts();
new MutationObserver(applyTexts).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
