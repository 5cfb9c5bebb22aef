// The public dashboard (H_062) in a real browser: Debian's Chromium, driven
// by Playwright, opens the site `sesshu publish` (or `sesshu demo`) wrote,
// served from a local server. SESSHU_DASHBOARD names the site's directory;
// SESSHU_SCREENSHOT where the first screen's picture goes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const site = path.resolve(process.env.SESSHU_DASHBOARD ?? '../../sesshu-demo.dashboard');
const screenshot = path.resolve(process.env.SESSHU_SCREENSHOT ?? '../../target/dashboard.png');
const types = { '.html': 'text/html; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.ndjson': 'application/x-ndjson' };

let server;
let browser;
let base;

before(async () => {
  assert.ok(fs.existsSync(path.join(site, 'index.html')), `no dashboard at ${site}`);
  server = http.createServer((req, res) => {
    const wanted = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(site, wanted === '/' ? 'index.html' : wanted);
    if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

function csvCounts(text) {
  const lines = text.trim().split('\n');
  const counts = new Map();
  for (const line of lines.slice(1)) {
    const at = line.lastIndexOf(',');
    counts.set(line.slice(0, at), line.slice(at + 1));
  }
  return { header: lines[0], counts };
}

test('the dashboard opens without errors, draws every chart, and its tables are its files', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  const response = await page.goto(base, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.match(await page.title(), /予防接種ダッシュボード/);

  // The first screen, as a person opening the page on a phone sees it.
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot });
  assert.ok(fs.statSync(screenshot).size > 1000);

  const charts = await page.$$eval('section.chart', (sections) => sections.map((s) => ({
    id: s.id,
    marks: s.querySelectorAll('svg rect, svg text').length,
    width: s.querySelector('svg')?.getBoundingClientRect().width ?? 0,
    height: s.querySelector('svg')?.getBoundingClientRect().height ?? 0,
  })));
  assert.ok(charts.length >= 7, `charts: ${JSON.stringify(charts)}`);
  for (const c of charts) {
    assert.ok(c.marks > 0 && c.width > 0 && c.height > 0, `chart ${c.id} is empty: ${JSON.stringify(c)}`);
  }

  // Each table view shows exactly its file's counts.
  const tables = await page.$$eval('table[data-file]', (ts) => ts.map((t) => ({
    file: t.dataset.file,
    rows: [...t.querySelectorAll('tbody tr')].map((r) => [r.dataset.key, r.querySelector('td.count').textContent]),
  })));
  assert.equal(tables.length, charts.length);
  let compared = 0;
  for (const t of tables) {
    const text = fs.readFileSync(path.join(site, 'data', t.file), 'utf8');
    const { counts } = csvCounts(text);
    assert.ok(t.rows.length > 0, `${t.file}: an empty table`);
    for (const [key, count] of t.rows) {
      assert.equal(count, counts.get(key), `${t.file} ${key}`);
      compared += 1;
    }
  }
  assert.ok(compared > 0);

  // Every download link returns its file.
  const links = await page.$$eval('#downloads a[href]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 2, `links: ${links}`);
  for (const href of links) {
    const r = await page.request.get(new URL(href, base).href);
    assert.equal(r.status(), 200, href);
    assert.equal(await r.text(), fs.readFileSync(path.join(site, href), 'utf8'), href);
  }
  // A click on a download link downloads the file.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#downloads a[href$=".csv"]'),
  ]);
  assert.match(download.suggestedFilename(), /\.csv$/);

  assert.deepEqual(errors, []);
  console.log(`${charts.length} charts, ${compared} table cells equal to their files, ${links.length} downloads; screenshot ${screenshot}`);
});
