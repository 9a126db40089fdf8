/* global localStorage, navigator */
// Page texts in English and Chinese; the choice is kept in localStorage.
export const TEXTS = {
  en: {
    title: 'Sunshare status', needToken: 'This page needs an API token (viewer or higher).', use: 'Use token',
    sitesOnline: 'Sites online', powerNow: 'Power now', energyToday: 'Energy today', sites: 'Sites', site: 'Site',
    status: 'Status', vsExpected: 'vs. a clear day', chart: 'Power today per site', lastRun: 'Last payout run',
    apiDocs: 'API documentation', forget: 'Forget token', online: 'online', offline: 'offline', updated: 'updated',
    noRun: 'No payout run yet.', days: 'days', posted: 'posted', unchanged: 'unchanged', skipped: 'skipped',
    finished: 'finished', badToken: 'The token was refused', needsFinance: 'Downloads need a finance or admin token.',
    noReports: 'No reports available.', of: 'of', lang: '中文', failed: 'cannot reach the API',
    payoutMonths: 'Payout months', month: 'Month', state: 'State', steps: 'Steps',
    'state.draft': 'draft', 'state.posted': 'posted (公示)', 'state.approved': 'approved', 'state.batch': 'payment file', 'state.done': 'paid / returned',
    moneyToday: 'Earned today', openAlarms: 'Open alarms', alarms: 'Open alarms', noAlarms: 'No open alarms.',
    siteTime: 'Site time', simulated: 'simulated', households: 'households',
  },
  zh: {
    title: 'Sunshare 电站状态', needToken: '本页需要 API 令牌（viewer 及以上）。', use: '使用令牌',
    sitesOnline: '在线电站', powerNow: '当前功率', energyToday: '今日发电量', sites: '电站', site: '电站',
    status: '状态', vsExpected: '与晴天发电量相比', chart: '各电站今日功率', lastRun: '最近一次结算',
    apiDocs: 'API 文档', forget: '清除令牌', online: '在线', offline: '离线', updated: '更新于',
    noRun: '尚无结算。', days: '天', posted: '已入账', unchanged: '未变', skipped: '跳过',
    finished: '完成于', badToken: '令牌被拒绝', needsFinance: '下载报表需要 finance 或 admin 令牌。',
    noReports: '暂无报表。', of: '/', lang: 'English', failed: '无法连接 API',
    payoutMonths: '付款月份', month: '月份', state: '状态', steps: '步骤',
    'state.draft': '草稿', 'state.posted': '公示中', 'state.approved': '已审批', 'state.batch': '已生成付款文件', 'state.done': '已付款 / 退回',
    moneyToday: '今日收益', openAlarms: '未恢复告警', alarms: '未恢复告警', noAlarms: '没有未恢复的告警。',
    siteTime: '电站时间', simulated: '模拟', households: '农户',
  },
};

export function pickLang() {
  const saved = localStorage.getItem('sunshare.lang');
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}
