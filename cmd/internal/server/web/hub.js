'use strict';
// The parts of the page only a fleet hub serves: its sites, online or
// not, and their printers as each site last reported them.

let siteList = [];
async function loadSites() {
  const sites = (await request('/v1/sites')).sites || [];
  siteList = sites;
  showSites(false);
  setOptions($('fSite'), sites.map(s => s.site), true);
  setOptions($('fPrinter'), [...new Set(sites.flatMap(s => (s.printers || []).map(p => p.name)))].sort(), true);
}

// showSites draws the sites and their printers; stale: the page has lost
// the hub, so what the rows last said may no longer be true.
function showSites(stale) {
  syncRows($('sites').tBodies[0], siteList, s => s.site, s => siteRow(s, stale));
  const printers = siteList.flatMap(s => (s.printers || []).map(p => ({site: s, p})));
  syncRows($('printers').tBodies[0], printers, x => x.site.site + '.' + x.p.name, x => sitePrinterRow(x.site, x.p, stale));
}
function staleSites() { showSites(true); }

function siteRow(s, stale) {
  const tr = document.createElement('tr'); tr.id = 'site-' + s.site; tr.dataset.online = s.online;
  cell(tr, s.site);
  const w = stale ? {text: 'Unknown: no answer from the hub', cls: 'stale', todo: '', note: 'Last known: ' + siteWords(s).text} : siteWords(s);
  say(cell(tr, undefined, 'status'), w, 'heartbeat ' + s.heartbeat + ' · clock ' + (s.clock_skew_ms > 0 ? '+' : '') + s.clock_skew_ms + ' ms against the cluster');
  cell(tr, time(s.heartbeat), 'time');
  cell(tr, String((s.printers || []).length));
  return tr;
}

// sitePrinterRow is one printer of site s: unknown while the site (or
// the hub) does not answer, with what it last said.
function sitePrinterRow(s, p, stale) {
  const tr = document.createElement('tr'); tr.id = 'printer-' + s.site + '.' + p.name;
  cell(tr, s.site, 'site'); cell(tr, p.name);
  const w = sitePrinterWords(p);
  const tech = p.status + (p.problems ? ': ' + p.problems.join('; ') : '') + (p.read_at ? ' · status read ' + time(p.read_at) : '') +
    ' · reported ' + time(s.heartbeat);
  if (stale || !s.online) {
    say(cell(tr, undefined, 'status'), {text: stale ? 'Unknown: no answer from the hub' : 'Unknown: the site does not answer', cls: 'stale', todo: '',
      note: 'Last known: ' + w.text + ', ' + time(s.heartbeat)}, tech);
  } else {
    say(cell(tr, undefined, 'status'), w, tech);
  }
  cell(tr, stale || !s.online ? '?' : String(p.queued));
  return tr;
}

// withPrinter adds to the words of a job waiting or printing at a site
// what its printer last reported. A job its printer refused (out of
// paper) stays printing at the hub, which keeps the site's reason in
// waiting: it reads as on the site's page, queued for that reason.
function withPrinter(j, w) {
  if (j.state !== 'queued' && j.state !== 'printing' || j.cancel_requested) return w;
  if (j.state === 'printing' && j.waiting) w = jobWords({...j, state: 'queued', reason: j.waiting});
  const s = siteList.find(s => s.site === j.site), p = s && (s.printers || []).find(p => p.name === j.printer);
  if (!s || !s.online || !p || p.status === 'ok') return w;
  const pw = sitePrinterWords(p);
  return {text: w.text, cls: w.cls, todo: pw.todo, note: 'Its printer: ' + pw.text};
}

if (atHub) {
  document.title = 'receiptd hub';
  $('title').textContent = 'receiptd hub: the fleet';
}
