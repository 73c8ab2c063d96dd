'use strict';
// The receipts, at a site or across the fleet at a hub: the same states,
// words and actions; the hub's API has the same paths for them.

// Paging: pages[i] is the ?before of page i ('' the newest).
let pages = [''], next = '';
const pageSize = 50;
async function loadJobs() {
  const q = new URLSearchParams({limit: String(pageSize)});
  if (atHub && $('fSite').value) q.set('site', $('fSite').value);
  if ($('fPrinter').value) q.set('printer', $('fPrinter').value);
  if ($('fState').value) q.set('state', $('fState').value);
  const before = pages[pages.length - 1];
  if (before) q.set('before', before);
  const page = await request('/v1/jobs?' + q);
  next = page.next_before || '';
  const search = $('fTx').value.trim().toLowerCase();
  // A site lists a page oldest first, a hub newest first.
  const all = atHub ? page.jobs || [] : (page.jobs || []).reverse();
  const jobs = all.filter(j => !search || (j.transaction_id || '').toLowerCase().includes(search) || j.id.includes(search));
  syncRows($('jobs').tBodies[0], jobs, j => j.id, jobRow);
  if (!atHub) forgetPreviews(new Set(jobs.map(j => j.id)));
  const shown = jobs.length;
  $('older').disabled = !next; $('newer').disabled = pages.length === 1;
  $('pageInfo').textContent = 'page ' + pages.length + (search ? ' · ' + shown + ' matching' : '');
}

// jobTech is a job's technical state, for whoever fixes the printer.
function jobTech(j) {
  const t = j.state + (j.reason ? ': ' + j.reason : '') + ((j.attempt || 1) > 1 ? ' · attempt ' + j.attempt : '');
  if (atHub) return t + (j.waiting ? ' (' + j.waiting + ')' : '') + ' · ' + (j.at_site ? 'at the site' : 'not at the site yet') + (j.cancel_requested ? ' · cancel asked' : '') + ' · key ' + j.idempotency_key;
  return t + ' · attempts ' + j.attempts + ' · ' + j.bytes_sent + '/' + j.bytes + ' bytes' + ' · via ' + (j.source || 'api');
}

// jobRow is one receipt's row, every cell of it.
function jobRow(j) {
  const tr = document.createElement('tr'); tr.id = 'job-' + j.id; tr.className = 'job'; tr.dataset.state = j.state;
  const idc = cell(tr, (j.transaction_id || j.id) + (j.copy ? ' (copy)' : ''));
  const small = document.createElement('span'); small.className = 'small'; small.textContent = j.id; idc.appendChild(small);
  say(cell(tr, undefined, 'state'), atHub ? withPrinter(j, jobWords(j)) : jobWords(j), jobTech(j));
  if (atHub) cell(tr, j.site, 'site');
  cell(tr, j.printer, 'printer'); cell(tr, time(j.created_at), 'time');
  if (!atHub) { // a hub renders nothing: the site holds the template
    const img = document.createElement('img'); img.className = 'preview'; img.alt = 'preview of ' + j.id;
    showPreview(img, j.id); cell(tr, undefined, 'wide').appendChild(img);
  }
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
  if (j.state === 'queued' && !j.cancel_requested) {
    actions.appendChild(button('Cancel', 'cancel', () => {
      if (!confirm('Cancel ' + j.id + '? It will not print.')) return;
      act(() => request('/v1/jobs/' + j.id, {method: 'DELETE'}));
    }));
  }
  if (j.state === 'failed' && j.source !== 'epos' && !/^not sent: |is no longer configured$/.test(j.reason || '') &&
      !(atHub && (!j.at_site || fleetReasons[j.reason] && !fleetReasons[j.reason][2]))) { // at a hub: the site must hold it
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

function restart() { pages = ['']; refresh(); }
$('fSite').onchange = restart; $('fPrinter').onchange = restart; $('fState').onchange = restart;
$('fTx').oninput = () => refresh();
$('older').onclick = () => { if (next) { pages.push(next); refresh(); } };
$('newer').onclick = () => { pages = ['']; refresh(); };

if (token) $('token').value = token;
refresh(); setInterval(refresh, 2000);
