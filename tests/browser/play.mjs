// Opens the player page in Debian's headless Chromium with playwright-core
// and waits for its verdict.
//
//   node play.mjs <page url> [timeout ms]
//
// Prints one JSON object: { result, events, console } and exits 0 when the
// page reports playback, 1 otherwise (including a timeout), 2 on misuse.
import { chromium } from 'playwright-core';

const [pageUrl, timeoutArg] = process.argv.slice(2);
if (!pageUrl) {
  console.error('usage: node play.mjs <page url> [timeout ms]');
  process.exit(2);
}
const timeout = Number(timeoutArg || 45000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox', // tests run as root
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    // This machine's network is closed: no calls home.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--mute-audio',
  ],
});
const consoleLines = [];
let out;
try {
  const page = await browser.newPage();
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) =>
    consoleLines.push(`requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) consoleLines.push(`response: ${r.status()} ${r.url()}`);
  });
  await page.goto(pageUrl, { timeout });
  let timedOut = false;
  try {
    await page.waitForFunction(() => window.result !== null, null, { timeout, polling: 250 });
  } catch {
    timedOut = true;
  }
  const state = await page.evaluate(() => ({
    result: window.result,
    events: window.events,
    currentTime: document.getElementById('video').currentTime,
  }));
  if (timedOut && !state.result) {
    state.result = { ok: false, why: `no verdict within ${timeout} ms`, currentTime: state.currentTime };
  }
  out = { result: state.result, events: state.events, console: consoleLines };
} finally {
  await browser.close();
}
console.log(JSON.stringify(out, null, 1));
process.exit(out.result && out.result.ok ? 0 : 1);
