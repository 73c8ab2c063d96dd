'use strict';
const $ = id => document.getElementById(id);
// The token lives for the browser tab only (sessionStorage), never on disk.
let token = sessionStorage.getItem('receiptd-token') || '';
let waitingForToken = null; // a promise while the token form is shown

class HTTPError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || ('HTTP ' + status));
    this.status = status; this.body = body;
  }
}

function setConn(ok, text) {
  const c = $('conn');
  c.textContent = text; c.className = 'conn ' + (ok ? 'ok' : 'down');
  if (!ok) { markStale(); return; }
  lastAnswer = new Date();
  if (lost) { lost = false; $('app').classList.remove('lost'); $('staleJobs').hidden = true; }
}
function showError(text) {
  const m = $('msg');
  m.textContent = text || ''; m.hidden = !text;
}

// askToken shows the token form and resolves once a token is entered.
function askToken(why) {
  if (!waitingForToken) {
    waitingForToken = new Promise(resolve => {
      $('tokenError').textContent = why || '';
      $('tokenForm').hidden = false; $('app').hidden = true;
      $('token').focus();
      $('tokenForm').onsubmit = ev => {
        ev.preventDefault();
        token = $('token').value.trim();
        sessionStorage.setItem('receiptd-token', token);
        $('tokenForm').hidden = true; $('app').hidden = false;
        waitingForToken = null;
        resolve();
      };
    });
  }
  return waitingForToken;
}

// request calls the service; on 401/403 it asks for a token and tries
// again; when the service does not answer it says "disconnected".
async function request(path, opts, raw) {
  opts = Object.assign({}, opts);
  for (;;) {
    const headers = Object.assign({}, opts.headers);
    if (token) headers['Authorization'] = 'Bearer ' + token;
    let r;
    try {
      r = await fetch(path, Object.assign({}, opts, {headers}));
    } catch (e) {
      setConn(false, 'Disconnected: the print service does not answer');
      throw e;
    }
    setConn(true, 'Connected');
    if (r.status === 401 || r.status === 403 && token && (await r.clone().text()).includes('"forbidden"')) {
      await askToken(r.status === 403 ? 'That token is not valid.' : '');
      continue;
    }
    if (raw) {
      if (!r.ok) throw new HTTPError(r.status, await r.json().catch(() => null));
      return r;
    }
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new HTTPError(r.status, body);
    return body;
  }
}

// statusText is the printer's status in the service's technical words,
// for whoever fixes the printer (the plain words are in words.js).
const conditions = [['paper_end', 'paper end'], ['cover_open', 'cover open'], ['paper_near_end', 'paper near end'],
  ['autocutter_error', 'cutter error'], ['unrecoverable_error', 'unrecoverable error'], ['drawer_open', 'drawer open']];
function statusText(p) {
  const busy = p.busy ? 'busy, ' : '';
  if (!p.status) return busy + (p.error || 'not ready');
  const seen = conditions.filter(([k]) => p.status[k]).map(([, name]) => name);
  if (!p.status.online && !seen.length) seen.push('offline');
  return busy + (p.ready ? 'ready' : 'not ready') + (seen.length ? ': ' + seen.join(', ') : '');
}
// Addresses are shown as typed: tcp://host:9100, not %-escaped.
function decoded(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
function time(s) { return s ? new Date(s).toLocaleTimeString() : ''; }

// say fills td with plain words w (words.js), the action to take and the
// technical text behind a "details" toggle.
function say(td, w, tech) {
  const words = document.createElement('span'); words.className = 'words ' + w.cls; words.textContent = w.text; td.appendChild(words);
  if (w.todo) { const t = document.createElement('span'); t.className = 'todo'; t.textContent = w.todo; td.appendChild(t); }
  if (w.note) { const n = document.createElement('span'); n.className = 'small'; n.textContent = w.note; td.appendChild(n); }
  const d = document.createElement('details'); const s = document.createElement('summary');
  s.textContent = 'details'; s.className = 'more'; d.appendChild(s);
  const dt = document.createElement('div'); dt.textContent = tech; d.appendChild(dt);
  td.appendChild(d);
}

// syncRows makes tb show items in order, one row per key, each built by
// build. Rows are updated in place, cell by cell: a cell that shows the
// same as before is left alone, so an open "details", the focus and the
// scroll position outlive the refresh every 2 s; a cell that changed takes
// over what was open or focused in it.
function syncRows(tb, items, keyOf, build) {
  const old = new Map([...tb.rows].map(r => [r.dataset.key, r]));
  let at = tb.firstElementChild;
  for (const it of items) {
    const k = keyOf(it);
    const fresh = build(it); fresh.dataset.key = k;
    for (const c of fresh.cells) c.dataset.html = c.className + '|' + c.innerHTML;
    let tr = old.get(k);
    if (tr) { old.delete(k); patchRow(tr, fresh); } else tr = fresh;
    if (tr === at) at = at.nextElementSibling; else tb.insertBefore(tr, at);
  }
  for (const r of old.values()) r.remove();
}
function patchRow(tr, fresh) {
  for (const a of fresh.attributes) if (tr.getAttribute(a.name) !== a.value) tr.setAttribute(a.name, a.value);
  const cells = [...fresh.cells];
  while (tr.cells.length > cells.length) tr.deleteCell(-1);
  cells.forEach((c, i) => {
    const o = tr.cells[i];
    if (!o) tr.appendChild(c);
    else if (o.dataset.html !== c.dataset.html) { carryOver(o, c); o.replaceWith(c); }
  });
}
// carryOver keeps what a person opened or focused in cell o in its
// replacement c: details by their order, the focus by the element's class.
function carryOver(o, c) {
  const was = o.querySelectorAll('details'), is = c.querySelectorAll('details');
  was.forEach((d, i) => { if (is[i]) is[i].open = d.open; });
  const f = document.activeElement;
  if (f && f !== document.body && o.contains(f) && f.className) {
    const same = c.querySelector(f.tagName + '.' + f.className.trim().split(/\s+/).join('.'));
    if (same) queueMicrotask(() => same.focus({preventScroll: true}));
  }
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  if (text !== undefined) td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td); return td;
}
function button(label, cls, onclick) {
  const b = document.createElement('button');
  b.type = 'button'; b.textContent = label; b.className = cls; b.onclick = onclick;
  return b;
}
async function act(f) {
  try { await f(); showError(''); } catch (e) { showError(e.message); }
  refresh();
}

// Previews are fetched with the token (an <img> cannot send one) and kept:
// a job's preview never changes. One fetch per job, however often its row
// is built.
const previews = new Map(); // job id -> promise of an object URL
function showPreview(img, id) {
  let url = previews.get(id);
  if (!url) {
    url = request('/v1/jobs/' + id + '/preview.png', {}, true).then(r => r.blob()).then(b => URL.createObjectURL(b));
    url.catch(() => previews.delete(id)); // tried again on the next refresh
    previews.set(id, url);
  }
  url.then(u => { img.src = u; }, () => {});
}
// forgetPreviews frees the previews of jobs no longer shown once there are
// many: a kiosk's page stays open for weeks.
function forgetPreviews(shown) {
  if (previews.size <= 200) return;
  for (const [id, url] of previews) {
    if (shown.has(id)) continue;
    previews.delete(id);
    url.then(u => URL.revokeObjectURL(u), () => {});
  }
}

// printerRow is one printer's row; stale: the page has lost the service,
// so what the row last said may no longer be true.
function printerRow(p, stale) {
  const tr = document.createElement('tr'); tr.id = 'printer-' + p.name;
  cell(tr, p.name); cell(tr, decoded(p.address), 'wide');
  const mc = cell(tr, p.model, 'wide');
  if (p.identity) { // model = "auto": what the printer said last (at start, after a reconnect)
    const id = p.identity, s = document.createElement('span'); s.className = 'small';
    s.textContent = 'auto: ' + ([id.maker, id.model].filter(Boolean).join(' ') || 'no answer') +
      (id.serial ? ' #' + id.serial : '') + ' (' + id.match.kind + ')' +
      (id.change === 'swapped' ? ' · swapped' : '') + (id.problem ? ' · ' + id.problem : '');
    s.title = id.match.reason + (id.identified_at ? ' · identified ' + time(id.identified_at) : ''); mc.appendChild(s);
  }
  if (p.logos && p.logos.keys) { // logo = "stored": what the printer's NV memory holds
    const l = p.logos, held = l.held || [], s = document.createElement('span'); s.className = 'small';
    const missing = l.keys.filter(k => !held.includes(k));
    s.textContent = ' logo ' + l.keys.join(', ') + (missing.length ? ': stored with the next receipt' : ': stored in the printer');
    s.title = (l.verified ? 'printer checked ' + time(l.verified) : 'not checked against the printer yet') + (l.problem ? ' · ' + l.problem : '');
    mc.appendChild(s);
  }
  const w = printerWords(p);
  const tech = statusText(p) + (p.status_at ? ' · status read ' + time(p.status_at) : '') +
    (p.worker && p.worker.fault ? ' · worker: ' + p.worker.fault : '') +
    (p.pull ? ' · ' + p.pull.protocol + ', polls every ' + p.pull.poll_interval + ', last poll ' + (p.pull.last_poll ? time(p.pull.last_poll) : 'none') +
      (p.pull.client_type ? ' · ' + p.pull.client_type + (p.pull.printable_dots ? ', ' + p.pull.printable_dots + ' dots' : '') : '') : '');
  if (stale) {
    say(cell(tr, undefined, 'status'), {text: 'Unknown: no answer from the print service', cls: 'stale', todo: '',
      note: 'Last known: ' + w.text + (p.status_at ? ', ' + time(p.status_at) : '')}, tech);
  } else {
    say(cell(tr, undefined, 'status'), w, tech);
  }
  cell(tr, stale ? '?' : String(p.queued));
  // The test page prints paper: ask first.
  cell(tr).appendChild(button('Test page', 'testpage', () => {
    if (confirm('Print the test page on ' + p.name + '?')) act(() => request('/v1/printers/' + encodeURIComponent(p.name) + '/test-page', {method: 'POST'}));
  }));
  return tr;
}

let printerList = [], printerNames = [];
async function loadPrinters() {
  const ps = (await request('/v1/printers')).printers || [];
  printerList = ps;
  syncRows($('printers').tBodies[0], ps, p => p.name, p => printerRow(p, false));
  const names = ps.map(p => p.name);
  if (names.join() !== printerNames.join()) {
    printerNames = names;
    for (const sel of [$('printer'), $('fPrinter')]) {
      const keep = sel.value;
      for (const o of [...sel.options]) if (o.value) o.remove();
      for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; sel.appendChild(o); }
      sel.value = names.includes(keep) ? keep : sel.options[0] ? sel.options[0].value : '';
    }
    preview(); // the test form previews as its printer prints
  }
}

// markStale says, when the service stops answering, that the statuses
// shown are the last known ones, not the printers' state now.
let lost = false, lastAnswer = null; // lost: the service stopped answering
function markStale() {
  if (lost) return;
  lost = true;
  $('app').classList.add('lost');
  syncRows($('printers').tBodies[0], printerList, p => p.name, p => printerRow(p, true));
  $('staleJobs').textContent = 'As of ' + (lastAnswer ? lastAnswer.toLocaleTimeString() : 'the start') + ': the print service does not answer, so these receipts may have changed since.';
  $('staleJobs').hidden = false;
}

// Paging: pages[i] is the ?before of page i ('' the newest).
let pages = [''], next = '';
const pageSize = 50;
async function loadJobs() {
  const q = new URLSearchParams({limit: String(pageSize)});
  if ($('fPrinter').value) q.set('printer', $('fPrinter').value);
  if ($('fState').value) q.set('state', $('fState').value);
  const before = pages[pages.length - 1];
  if (before) q.set('before', before);
  const page = await request('/v1/jobs?' + q);
  next = page.next_before || '';
  const search = $('fTx').value.trim().toLowerCase();
  const jobs = (page.jobs || []).reverse().filter(j => !search || (j.transaction_id || '').toLowerCase().includes(search) || j.id.includes(search));
  syncRows($('jobs').tBodies[0], jobs, j => j.id, jobRow);
  forgetPreviews(new Set(jobs.map(j => j.id)));
  const shown = jobs.length;
  $('older').disabled = !next; $('newer').disabled = pages.length === 1;
  $('pageInfo').textContent = 'page ' + pages.length + (search ? ' · ' + shown + ' matching' : '');
}

// jobRow is one receipt's row, every cell of it.
function jobRow(j) {
  const tr = document.createElement('tr'); tr.id = 'job-' + j.id; tr.className = 'job'; tr.dataset.state = j.state;
  const idc = cell(tr, (j.transaction_id || j.id) + (j.copy ? ' (copy)' : ''));
  const small = document.createElement('span'); small.className = 'small'; small.textContent = j.id; idc.appendChild(small);
  // The technical reason, for whoever fixes the printer.
  say(cell(tr, undefined, 'state'), jobWords(j),
    j.state + (j.reason ? ': ' + j.reason : '') + ((j.attempt || 1) > 1 ? ' · attempt ' + j.attempt : '') + ' · attempts ' + j.attempts + ' · ' + j.bytes_sent + '/' + j.bytes + ' bytes' +
    ' · via ' + (j.source || 'api'));
  cell(tr, j.printer, 'printer'); cell(tr, time(j.created_at), 'time');
  const img = document.createElement('img'); img.className = 'preview'; img.alt = 'preview of ' + j.id;
  showPreview(img, j.id); cell(tr, undefined, 'wide').appendChild(img);
  const actions = cell(tr, undefined, 'actions');
  if (j.state === 'unknown') {
    // It may have printed: whoever looks at the paper decides.
    for (const [label, decision, ask] of [['It printed', 'printed', ''], ['Send again', 'retry', 'Print ' + j.id + ' again (it is not on paper)?'],
                                          ['Not printed', 'not_printed', '']]) {
      actions.appendChild(button(label, 'decide-' + decision, () => {
        if (ask && !confirm(ask)) return;
        act(() => request('/v1/jobs/' + j.id + '/decision', {method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({decision})}));
      }));
    }
  }
  if (j.state === 'queued') {
    actions.appendChild(button('Cancel', 'cancel', () => {
      if (!confirm('Cancel ' + j.id + '? It will not print.')) return;
      act(() => request('/v1/jobs/' + j.id, {method: 'DELETE'}));
    }));
  }
  if (j.state === 'failed' && j.source !== 'epos' && !/^not sent: |is no longer configured$/.test(j.reason || '')) {
    // Nothing of it printed: it prints again as the original, once per
    // attempt however often the button is pressed.
    actions.appendChild(button('Try again', 'retry', () => {
      if (!confirm('Print ' + j.id + ' again? It has not printed.')) return;
      act(() => request('/v1/jobs/' + j.id + '/retry?attempt=' + (j.attempt || 1), {method: 'POST'}));
    }));
  }
  if (j.state === 'printed') {
    actions.appendChild(button('Reprint', 'reprint', () => {
      if (!confirm('Print a copy of ' + j.id + ' (marked KOPIE / COPY)?')) return;
      act(() => request('/v1/jobs/' + j.id + '/reprint', {method: 'POST', headers: {'Idempotency-Key': 'web-' + j.id + '-' + Date.now()}}));
    }));
  }
  return tr;
}

// One refresh at a time; one asked for meanwhile (a click) runs after it,
// so the page always ends showing what was last asked for.
let refreshing = false, again = false;
async function refresh() {
  if (waitingForToken) return;
  if (refreshing) { again = true; return; }
  refreshing = true;
  try {
    do {
      again = false;
      try { await loadPrinters(); await loadJobs(); } catch (e) {
        if (e instanceof HTTPError) showError(e.message); // else disconnected: the banner says so
      }
    } while (again);
  } finally { refreshing = false; }
}

function restart() { pages = ['']; refresh(); }
$('fPrinter').onchange = restart; $('fState').onchange = restart;
$('fTx').oninput = () => refresh();
$('older').onclick = () => { if (next) { pages.push(next); refresh(); } };
$('newer').onclick = () => { pages = ['']; refresh(); };

// The test form: a documented transaction, previewed as it is edited.
let sampleSeq = 0;
async function loadSample() {
  const seq = ++sampleSeq;
  try {
    const text = await (await fetch('samples/' + $('sample').value + '.json')).text();
    if (seq !== sampleSeq) return;
    $('tx').value = text;
  } catch (e) { showError('sample not loaded: ' + e.message); }
  preview();
}
// The preview is what the chosen printer prints: its model, layout and
// template (/v1/render?printer=). previewSeq drops answers that arrive
// after a newer edit's request.
let previewTimer = 0, previewURL = '', previewSeq = 0;
function preview() {
  clearTimeout(previewTimer);
  const seq = ++previewSeq;
  const name = $('printer').value;
  if (!name) return; // the printers are not loaded yet: loadPrinters asks again
  previewTimer = setTimeout(async () => {
    $('previewState').textContent = '…';
    try {
      const r = await request('/v1/render?format=png&printer=' + encodeURIComponent(name),
        {method: 'POST', headers: {'Content-Type': 'application/json'}, body: $('tx').value}, true);
      const blob = await r.blob();
      if (seq !== previewSeq) return;
      if (previewURL) URL.revokeObjectURL(previewURL);
      previewURL = URL.createObjectURL(blob);
      $('livePreview').src = previewURL;
      const p = printerList.find(p => p.name === name);
      $('previewState').textContent = 'as ' + name + ' prints it' + (p ? ': ' + p.model + (p.template ? ', template ' + p.template.split('/').pop() : '') : '');
    } catch (e) {
      if (seq !== previewSeq) return;
      $('previewState').textContent = '— ' + e.message;
      $('previewState').className = 'bad';
      return;
    }
    $('previewState').className = '';
  }, 300);
}
$('sample').onchange = loadSample; $('printer').onchange = preview; $('tx').oninput = preview;
$('post').onclick = async () => {
  $('postResult').textContent = 'printing…';
  try {
    const j = await request('/v1/printers/' + encodeURIComponent($('printer').value) + '/jobs?wait=5s',
      {method: 'POST', headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'web-' + Date.now()}, body: $('tx').value});
    $('postResult').textContent = jobWords(j).text;
  } catch (e) { $('postResult').textContent = e.message; }
  refresh();
};

if (token) $('token').value = token;
loadSample();
refresh(); setInterval(refresh, 2000);
