// The HTML page: escaping helpers, the page's structure and CSP, and a headless Chromium run
// (Debian `chromium`) that renders a dialogue whose headers carry markup: the SVG shows every
// arrow, a click and the keyboard show the raw message in the panel, nothing injected runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CSP, renderHtml } from '../src/render/html.js';
import { escapeHtml, jsonForScript } from '../src/render/html-escape.js';
import { chunkToJson } from '../src/model/chunk.js';
import { sampleDialogue, PROXY, XSS_IMG, XSS_SCRIPT } from './helpers/dialogue.js';
import { Cdp, CHROMIUM, chromiumSkip, headlessArgs } from './helpers/cdp.js';
import { runCli, tempDir, tempStore } from './helpers/cli.js';

const aliases = new Map([[PROXY, 'kamailio']]);
const page = () => renderHtml(sampleDialogue({ evil: true }), { aliases });
const sha = (s: string) => 'sha256-' + createHash('sha256').update(s, 'utf8').digest('base64');

test('escapeHtml escapes the five markup characters', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  assert.equal(escapeHtml('plain sip:bob@example.com'), 'plain sip:bob@example.com');
});

test('jsonForScript cannot close or alter its script block, and round-trips', () => {
  const value = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'a & b > c', d: 'line\u2028sep\u2029par' };
  const text = jsonForScript(value);
  assert.ok(!/[<>&\u2028\u2029]/.test(text), text);
  assert.deepEqual(JSON.parse(text), value);
});

test('the page: no injected markup, a CSP whose hashes match the inline style and script', () => {
  const html = page();
  assert.equal(html.match(/<script\b/g)?.length, 2, 'only the data block and our script');
  assert.ok(!html.includes('<img'), 'no img element from a header');
  assert.ok(!html.includes(XSS_SCRIPT) && !html.includes(XSS_IMG), 'header text never appears unescaped');
  assert.ok(html.includes(escapeHtml('"<script>window.__pwned=1</script>"')) || html.includes('&lt;script&gt;window.__pwned=1'));
  assert.ok(!/\x1b/.test(html), 'no raw control characters');
  assert.ok(!/\b(?:src|href)=["']?(?:https?:)?\/\//i.test(html) && !/@import|url\(/i.test(html), 'nothing loaded from the network');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(meta, 'CSP meta present');
  assert.equal(meta![1], CSP.replace(/'/g, '&#39;'));
  assert.match(CSP, /^default-src 'none'; /);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  assert.ok(CSP.includes(`style-src '${sha(style)}'`), 'style hash');
  assert.ok(CSP.includes(`script-src '${sha(script)}'`), 'script hash');
  assert.ok(!script.includes('innerHTML') && !script.includes('eval'), 'the script only sets textContent');
  // The data block gives back the raw messages exactly (control characters as visible escapes).
  const json = /<script type="application\/json" id="ci-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const data = JSON.parse(json) as { messages: { n: number; raw: string; label: string }[] };
  assert.equal(data.messages.length, 13);
  assert.ok(data.messages[0]!.raw.includes(`User-Agent: ${XSS_IMG} \\x1b[31mred`));
  assert.equal(data.messages[6]!.label, `routing ${XSS_SCRIPT}`);
});

test('the page: SVG arrows, lifelines, legend and capture points', () => {
  const html = page();
  assert.equal(html.match(/<g class="msg /g)?.length, 13);
  assert.equal(html.match(/<line class="life"/g)?.length, 4);
  assert.equal(html.match(/<g class="msg[^"]*" tabindex="0" role="button"/g)?.length, 13, 'every arrow focusable');
  assert.ok(html.includes('>kamailio<') && html.includes(`>${PROXY}<`));
  for (const k of ['request', 'provisional (1xx)', 'success (2xx)', 'redirect / failure (3xx-6xx)']) assert.ok(html.includes(k), k);
  assert.match(html, /<td>pcap-proxy<\/td><td class="num">-1\.500s<\/td><td>shared<\/td><td class="num">1<\/td>/);
  assert.ok(html.includes('retx #3') && html.includes('×2') && html.includes('!truncated'));
});

test('show --format html through the CLI', async () => {
  const store = tempStore();
  const file = join(tempDir(), 'chunks.json');
  writeFileSync(file, JSON.stringify(sampleDialogue({ evil: true }).messages.flatMap((m) => m.observations.map(chunkToJson))));
  assert.equal((await runCli(['--store', store, 'ingest', '--format', 'chunks', '-q', file])).code, 0);
  const r = await runCli(['--store', store, 'show', '-f', 'html', 'a84b4c76e66710@pc33.example.com']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^<!DOCTYPE html>/);
  assert.ok(!r.stdout.includes('<img') && r.stdout.match(/<script\b/g)?.length === 2);
});

function dumpDom(file: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'ci-chromium-'));
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...headlessArgs(profile), '--dump-dom', pathToFileURL(file).href], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', () => { clearTimeout(timer); rmSync(profile, { recursive: true, force: true }); resolve(out); });
  });
}

test('headless Chromium --dump-dom: the page renders its SVG and nothing was injected', { skip: chromiumSkip(), timeout: 60000 }, async () => {
  const dir = tempDir();
  const file = join(dir, 'call.html');
  writeFileSync(file, page());
  const dom = await dumpDom(file);
  assert.ok(dom.includes('<svg'), 'DOM dumped');
  assert.equal(dom.match(/<g class="msg /g)?.length, 13);
  assert.ok(!/<img/i.test(dom));
  assert.equal(dom.match(/<script\b/g)?.length, 2);
});

test('headless Chromium via CDP: click and keyboard show the raw message; no injected script runs', { skip: chromiumSkip(), timeout: 90000 }, async () => {
  const dir = tempDir();
  const html = page();
  const file = join(dir, 'call.html');
  writeFileSync(file, html);
  // The same page without its CSP: escaping alone must keep the markup inert.
  const bare = join(dir, 'call-no-csp.html');
  writeFileSync(bare, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
  const cdp = await Cdp.launch();
  try {
    const s = await cdp.newPage();
    for (const f of [bare, file]) {
      await cdp.navigate(s, pathToFileURL(f).href);
      const state = await cdp.evaluate<Record<string, unknown>>(s, `({
        pwned: typeof window.__pwned,
        imgs: document.querySelectorAll('img, [onerror]').length,
        scripts: document.scripts.length,
        arrows: document.querySelectorAll('#ladder g.msg:not(.ann) .head').length,
        msgs: document.querySelectorAll('#ladder g.msg').length,
        text: document.getElementById('ladder').textContent,
      })`);
      assert.equal(state.pwned, 'undefined', `${f}: no injected script ran`);
      assert.equal(state.imgs, 0);
      assert.equal(state.scripts, 2);
      assert.equal(state.arrows, 12);
      assert.equal(state.msgs, 13);
      assert.ok(String(state.text).includes(`routing ${XSS_SCRIPT}`), 'the markup is shown as text');
    }
    // On the page with its CSP, our own script and style are allowed (hashes right): no violation.
    const violations = cdp.events.filter((e) => e.method === 'Log.entryAdded' && /Content Security Policy/i.test(e.params.entry.text));
    assert.deepEqual(violations.map((e) => e.params.entry.text), []);
    const styled = await cdp.evaluate<string>(s, `getComputedStyle(document.querySelector('#ladder g.msg .shaft')).strokeWidth`);
    assert.equal(styled, '1.6px', 'the inline style applied');

    // A real mouse click on the first arrow.
    const box = await cdp.evaluate<{ x: number; y: number }>(s, `(() => {
      const el = document.querySelector('#ladder g.msg .shaft');
      el.scrollIntoView({ block: 'center', inline: 'center' });
      const r = el.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
      await cdp.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 }, s);
    }
    const panel = () => cdp.evaluate<{ title: string; raw: string; meta: string; imgs: number; pwned: string }>(s, `({
      title: document.getElementById('p-title').textContent,
      raw: document.getElementById('p-raw').textContent,
      meta: document.getElementById('p-meta').textContent,
      imgs: document.querySelectorAll('img, [onerror]').length,
      pwned: typeof window.__pwned,
    })`);
    let p = await panel();
    assert.match(p.title, /^#1 INVITE sip:bob@example\.com;transport=udp SIP\/2\.0/);
    assert.ok(p.raw.includes(`From: "${XSS_SCRIPT}" <sip:alice@example.com>`), p.raw);
    assert.ok(p.raw.includes(`User-Agent: ${XSS_IMG} \\x1b[31mred`));
    assert.ok(p.meta.includes('pcap-ua') && p.meta.includes('pcap-proxy'), 'both capture points listed');
    assert.equal(p.imgs, 0);
    assert.equal(p.pwned, 'undefined');

    // Keyboard: focus the second arrow, Enter; then ArrowDown moves to the third.
    await cdp.evaluate(s, `document.querySelectorAll('#ladder g.msg')[1].focus()`);
    const key = async (key: string, code: number) => {
      await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code: key, windowsVirtualKeyCode: code }, s);
      await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code: key, windowsVirtualKeyCode: code }, s);
    };
    await key('Enter', 13);
    p = await panel();
    assert.equal(p.title, '#2 SIP/2.0 100 Trying');
    await key('ArrowDown', 40);
    p = await panel();
    assert.match(p.title, /^#3 INVITE sip:bob@10\.0\.0\.3:5060 SIP\/2\.0/);
    assert.equal(await cdp.evaluate(s, `document.activeElement.getAttribute('data-i')`), '2');

    const shot = await cdp.send('Page.captureScreenshot', { format: 'png' }, s);
    const png = join(tmpdir(), 'call-inspector-ladder.png');
    writeFileSync(png, Buffer.from(shot.data, 'base64'));
    assert.ok(readFileSync(png).subarray(1, 4).toString() === 'PNG');
  } finally {
    await cdp.close();
  }
});
