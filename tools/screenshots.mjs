// Screenshots of the main pages at desktop and phone sizes, for reviewing the UI.
// Usage: node tools/screenshots.mjs BASE_URL LOGIN PASSWORD OUT_DIR [path ...]
// Needs playwright-core (npm i playwright-core) and Debian's chromium.
import { chromium } from 'playwright-core';

const [base, login, password, out, ...paths] = process.argv.slice(2);
const pages = paths.length ? paths : ['/', '/orgs', '/orgs/tree', '/orgs/2', '/orgs/new?parent=3', '/account', '/users', '/nope'];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
for (const [name, viewport] of [['desktop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]]) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await ctx.newPage();
  // Script errors and CSP refusals show up on the console; report them.
  page.on('console', (m) => { if (m.type() === 'error') console.log(`${name} ${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`${name} ${page.url()}: ${e.message}`));
  await page.goto(base + '/login');
  await page.screenshot({ path: `${out}/${name}-login.png`, fullPage: true });
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('#login-submit');
  await page.waitForLoadState('networkidle');
  for (const p of pages) {
    await page.goto(base + p);
    await page.waitForLoadState('networkidle');
    const file = p.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home';
    await page.screenshot({ path: `${out}/${name}-${file}.png`, fullPage: true });
  }
  await ctx.close();
}
await browser.close();
