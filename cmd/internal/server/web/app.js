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

// What a cashier needs to know about a receipt, and how to tell it apart.
function jobWords(j) {
  const reason = j.reason || '';
  switch (j.state) {
    case 'printed': return ['Printed', 'good'];
    case 'printing': return ['Printing…', 'warn'];
    case 'cancelled': return ['Cancelled', ''];
    case 'unknown': return ['Check the paper: may have printed', 'warn'];
    case 'failed':
      if (reason.startsWith('confirmed not printed')) return ['Not printed', 'bad'];
      if (reason.startsWith('gave up')) return ['Not printed — printer did not come back', 'bad'];
      return ['Not printed — printer error', 'bad'];
    case 'queued':
      if (/paper end|paper out/.test(reason)) return ['Waiting for paper', 'warn'];
      if (/cover open/.test(reason)) return ['Waiting: close the printer cover', 'warn'];
      if (/not reachable|disconnected|offline/.test(reason)) return ['Waiting for the printer', 'warn'];
      return ['Waiting to print', 'warn'];
  }
  return [j.state, ''];
}

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
// a job's preview never changes.
const previews = new Map();
async function showPreview(img, id) {
  let url = previews.get(id);
  if (!url) {
    try {
      url = URL.createObjectURL(await (await request('/v1/jobs/' + id + '/preview.png', {}, true)).blob());
    } catch (e) { return; }
    previews.set(id, url);
  }
  img.src = url;
}

let printerNames = [];
async function loadPrinters() {
  const ps = (await request('/v1/printers')).printers || [];
  const tb = $('printers').tBodies[0]; tb.innerHTML = '';
  for (const p of ps) {
    const tr = tb.insertRow(); tr.id = 'printer-' + p.name;
    cell(tr, p.name); cell(tr, decoded(p.address), 'wide');
    const mc = cell(tr, p.model, 'wide');
    if (p.identity) { // model = "auto": what the printer said at start
      const id = p.identity, s = document.createElement('span'); s.className = 'small';
      s.textContent = 'auto: ' + ([id.maker, id.model].filter(Boolean).join(' ') || 'no answer') +
        (id.serial ? ' #' + id.serial : '') + ' (' + id.match.kind + ')';
      s.title = id.match.reason; mc.appendChild(s);
    }
    const st = cell(tr, statusText(p), p.ready ? 'ready' : 'notready');
    if (p.status_at) {
      const s = document.createElement('span'); s.className = 'small';
      s.textContent = 'status read ' + time(p.status_at); st.appendChild(s);
    }
    cell(tr, String(p.queued));
    // The test page prints paper: ask first.
    cell(tr).appendChild(button('Test page', 'testpage', () => {
      if (confirm('Print the test page on ' + p.name + '?')) act(() => request('/v1/printers/' + encodeURIComponent(p.name) + '/test-page', {method: 'POST'}));
    }));
  }
  const names = ps.map(p => p.name);
  if (names.join() !== printerNames.join()) {
    printerNames = names;
    for (const sel of [$('printer'), $('fPrinter')]) {
      const keep = sel.value;
      for (const o of [...sel.options]) if (o.value) o.remove();
      for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; sel.appendChild(o); }
      sel.value = names.includes(keep) ? keep : sel.options[0] ? sel.options[0].value : '';
    }
  }
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
  const tb = $('jobs').tBodies[0]; tb.innerHTML = '';
  let shown = 0;
  for (const j of (page.jobs || []).reverse()) {
    if (search && !(j.transaction_id || '').toLowerCase().includes(search) && !j.id.includes(search)) continue;
    shown++;
    const tr = tb.insertRow(); tr.id = 'job-' + j.id; tr.className = 'job'; tr.dataset.state = j.state;
    const idc = cell(tr, (j.transaction_id || j.id) + (j.copy ? ' (copy)' : ''));
    const small = document.createElement('span'); small.className = 'small'; small.textContent = j.id; idc.appendChild(small);
    const [words, cls] = jobWords(j);
    const st = cell(tr, '', 'state');
    const w = document.createElement('span'); w.className = 'words ' + cls; w.textContent = words; st.appendChild(w);
    // The technical reason, for whoever fixes the printer.
    const d = document.createElement('details'); const s = document.createElement('summary');
    s.textContent = 'details'; d.appendChild(s);
    const dt = document.createElement('div');
    dt.textContent = j.state + (j.reason ? ': ' + j.reason : '') + ' · attempts ' + j.attempts + ' · ' + j.bytes_sent + '/' + j.bytes + ' bytes';
    d.appendChild(dt); st.appendChild(d);
    cell(tr, j.printer, 'wide'); cell(tr, time(j.created_at));
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
    if (j.state === 'printed') {
      actions.appendChild(button('Reprint', 'reprint', () => {
        if (!confirm('Print a copy of ' + j.id + ' (marked KOPIE / COPY)?')) return;
        act(() => request('/v1/jobs/' + j.id + '/reprint', {method: 'POST', headers: {'Idempotency-Key': 'web-' + j.id + '-' + Date.now()}}));
      }));
    }
  }
  $('older').disabled = !next; $('newer').disabled = pages.length === 1;
  $('pageInfo').textContent = 'page ' + pages.length + (search ? ' · ' + shown + ' matching' : '');
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
// previewSeq drops answers that arrive after a newer edit's request.
let previewTimer = 0, previewURL = '', previewSeq = 0;
function preview() {
  clearTimeout(previewTimer);
  const seq = ++previewSeq;
  previewTimer = setTimeout(async () => {
    $('previewState').textContent = '…';
    try {
      const r = await request('/v1/render?format=png&model=' + encodeURIComponent($('model').value),
        {method: 'POST', headers: {'Content-Type': 'application/json'}, body: $('tx').value}, true);
      const blob = await r.blob();
      if (seq !== previewSeq) return;
      if (previewURL) URL.revokeObjectURL(previewURL);
      previewURL = URL.createObjectURL(blob);
      $('livePreview').src = previewURL;
      $('previewState').textContent = '(' + $('model').value + ')';
    } catch (e) {
      if (seq !== previewSeq) return;
      $('previewState').textContent = '— ' + e.message;
      $('previewState').className = 'bad';
      return;
    }
    $('previewState').className = '';
  }, 300);
}
$('sample').onchange = loadSample; $('model').onchange = preview; $('tx').oninput = preview;
$('post').onclick = async () => {
  $('postResult').textContent = 'printing…';
  try {
    const j = await request('/v1/printers/' + encodeURIComponent($('printer').value) + '/jobs?wait=5s',
      {method: 'POST', headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'web-' + Date.now()}, body: $('tx').value});
    $('postResult').textContent = jobWords(j)[0];
  } catch (e) { $('postResult').textContent = e.message; }
  refresh();
};

if (token) $('token').value = token;
loadSample();
refresh(); setInterval(refresh, 2000);
