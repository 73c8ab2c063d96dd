'use strict';
// The page's parts that only a site's own receiptd serves: its printers
// with their full status, the receipts' previews and the test form.

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

let printerList = [];
async function loadPrinters() {
  const env = await request('/v1/printers');
  certNote(env.certificate);
  const ps = env.printers || [];
  printerList = ps;
  syncRows($('printers').tBodies[0], ps, p => p.name, p => printerRow(p, false));
  const names = ps.map(p => p.name);
  if (setOptions($('printer'), names, false) | setOptions($('fPrinter'), names, true)) preview(); // the test form previews as its printer prints
}
function stalePrinters() { syncRows($('printers').tBodies[0], printerList, p => p.name, p => printerRow(p, true)); }

// certNote tells staff how tills' browsers accept receiptd's self-signed
// HTTPS certificate, and, when it was re-issued, that they must again.
function certNote(c) {
  const n = $('certNote');
  n.hidden = !c;
  if (!c) return;
  const how = 'On each till, open https://' + location.hostname + (c.port && c.port !== '443' ? ':' + c.port : '') +
    '/ (this page over HTTPS), choose Advanced \u2192 Proceed, check that the browser shows the fingerprint SHA-256 ' + c.sha256 + ', then reload the till.';
  n.textContent = c.reissued
    ? 'The HTTPS certificate changed (' + c.reissued + '): every till\'s browser must accept it again. ' + how
    : 'HTTPS uses a self-signed certificate that each till\'s browser accepts once. ' + how;
  n.className = c.reissued ? 'msg' : 'stale-note';
}


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
if (!atHub) loadSample();
