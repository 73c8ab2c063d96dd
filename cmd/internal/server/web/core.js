'use strict';
// What every page shares: the token, requests, rows updated in place, the
// connection banner and the refresh loop. The same page serves a site's
// receiptd and a fleet hub; the hub marks it <body data-fleet="hub">
// (its sites, a site column, no test form: hub.js; a site's own
// printers, previews and test form: app.js; the receipts: jobs.js).
const $ = id => document.getElementById(id);
const atHub = document.body.dataset.fleet === 'hub';
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
    // A site answers a wrong token 403 forbidden, a hub 401.
    if (r.status === 401 || r.status === 403 && token && (await r.clone().text()).includes('"forbidden"')) {
      await askToken(token ? 'That token is not valid.' : '');
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

// markStale says, when the service stops answering, that the statuses
// shown are the last known ones, not the printers' state now.
let lost = false, lastAnswer = null; // lost: the service stopped answering
function markStale() {
  if (lost) return;
  lost = true;
  $('app').classList.add('lost');
  if (atHub) staleSites(); else stalePrinters();
  $('staleJobs').textContent = 'As of ' + (lastAnswer ? lastAnswer.toLocaleTimeString() : 'the start') + ': the print service does not answer, so these receipts may have changed since.';
  $('staleJobs').hidden = false;
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
      try { await (atHub ? loadSites() : loadPrinters()); await loadJobs(); } catch (e) {
        if (e instanceof HTTPError) showError(e.message); // else disconnected: the banner says so
      }
    } while (again);
  } finally { refreshing = false; }
}

// setOptions makes select sel offer names (after its first, "all" or
// empty, option when keepFirst), keeping the choice when it is still
// offered; it reports whether the list changed.
function setOptions(sel, names, keepFirst) {
  const had = [...sel.options].slice(keepFirst ? 1 : 0).map(o => o.value);
  if (had.join('\n') === names.join('\n')) return false;
  const keep = sel.value;
  for (const o of [...sel.options].slice(keepFirst ? 1 : 0)) o.remove();
  for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; sel.appendChild(o); }
  sel.value = names.includes(keep) ? keep : sel.options[0] ? sel.options[0].value : '';
  return true;
}
