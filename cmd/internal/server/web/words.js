'use strict';
// Plain words for what a printer or a receipt is doing, and what a person
// at the till does about it. Each answer is {text, todo, cls}: text says
// what is going on, todo the action ('' when there is none), cls the colour.
// The technical words stay in the page's "details", one click away.

// causes are the reasons the service records (printers.Reason's names, as
// the spool writes them into a job's reason: "waiting: paper end"), plus the
// status conditions only a printer's status shows.
const causes = {
  'paper end': ['out of paper', 'Load a new paper roll, then close the cover.'],
  'cover open': ['the printer cover is open', 'Close the printer cover.'],
  'offline': ['the printer is offline', 'Check the paper and the cover; if its light still shows an error, switch the printer off and on.'],
  'printer error': ['the printer reports an error', 'Open the cover, remove any jammed paper, close it; if the error stays, switch the printer off and on.'],
  'cutter': ['the paper cutter is stuck', 'Open the cover, free the paper from the cutter, close the cover.'],
  'unrecoverable': ['the printer has a fault it cannot clear', 'Switch the printer off and on; if that does not help, call for service.'],
  'disconnected': ['the connection to the printer broke', 'Check the printer\'s power and its cable.'],
  'timeout': ['the printer stopped answering', 'Check the printer\'s power and its cable.'],
  'no confirmation': ['the printer did not confirm the receipt', 'Check the printer\'s power and its cable.'],
  'busy': ['another till or computer is using the printer', 'Wait a moment; if it stays, switch the printer off and on.'],
  // A printer that fetches its receipts itself (CloudPRNT, Server Direct Print).
  'never polled': ['the printer has not asked for receipts yet', 'Check that the printer is switched on and on the network, and that its server URL and secret match the print service\'s.'],
  'stopped polling': ['the printer stopped asking for receipts', 'Check the printer\'s power and its network; its receipts wait for it.'],
};
function cause(name) { const c = causes[name]; return c && {what: c[0], todo: c[1]}; }

// connectProblem reads an error met opening a printer. Only the transport's
// fixed phrases are matched (its sentinel errors, the system's socket
// errors); anything else gets the general sentence.
function connectProblem(err) {
  const e = err || '';
  const match = [
    [/connection refused/, 'nothing answers at the printer\'s address',
      'Check that the printer is switched on and its network cable is plugged in; then check the address and port in the configuration.'],
    [/no such host/, 'the printer\'s address name is not known on this network', 'Check the printer\'s address in the configuration.'],
    [/invalid printer address|several printers match/, 'the printer\'s address in the configuration is wrong', 'Check the printer\'s address in the configuration.'],
    [/access denied|permission denied/, 'the print service is not allowed to use the printer',
      'Ask the installer to give the print service access to the printer.'],
    [/: timeout|i\/o timeout|deadline exceeded/, 'the printer does not answer',
      'Check that the printer is switched on and its cable is plugged in; then check its address.'],
    [/printer busy/, causes.busy[0], causes.busy[1]],
    [/printer disconnected/, causes.disconnected[0], causes.disconnected[1]],
    [/no such file or directory|no such device/, 'the printer is not plugged in', 'Check the printer\'s USB cable and its power.'],
  ].find(([re]) => re.test(e));
  if (match) return {what: match[1], todo: match[2]};
  return {what: 'the printer cannot be reached', todo: 'Check the printer\'s power and its cable, then its address.'};
}

// reasonCause reads the cause out of a job's reason: "waiting: paper end",
// "waiting: printer not reachable: …", "unknown: disconnected (…)".
function reasonCause(r) {
  const reach = r.match(/^printer not reachable: (.*)$/s);
  if (reach) return connectProblem(reach[1]);
  const name = r.match(/^([a-z ]+?)(?: \(|,|$)/);
  return name && cause(name[1]);
}

// fleetReasons are why a fleet hub's job failed (printers/fleet's
// reasons): what happened, what to do, and whether the site holds it so
// that "Try again" can print it there.
const fleetReasons = {
  'site_offline': ['the site was offline until the receipt\'s time ran out', 'Print it again from the till.'],
  'expired': ['its time ran out before the printer took it', 'Press "Try again" to print it now.', true],
  'unknown_printer': ['the site has no such printer', 'Print it again from the till on another printer.'],
  'render_failed': ['the site could not make the receipt', 'Tell the installer: the site\'s template or printer refused it.'],
  'bad_transaction': ['the site could not read the receipt', 'Tell the installer: the site\'s print service may be of another version.'],
};

// duration shows a Go duration as people write it: 10m0s is 10 min.
function duration(d) {
  return d.replace(/([hm])0s$/, '$1').replace(/h0m$/, 'h').replace(/(\d)([hms])(?=\d|$)/g, (_, n, u) => n + ' ' + {h: 'h', m: 'min', s: 's'}[u] + ' ').trim();
}

function sentence(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

// jobWords is what a cashier reads about a receipt.
function jobWords(j) {
  const r = j.reason || '';
  let m;
  switch (j.state) {
    case 'printed': return {text: 'Printed', todo: '', cls: 'good'};
    case 'printing': return {text: 'Printing…', todo: '', cls: 'warn'};
    case 'cancelled': return {text: 'Cancelled', todo: '', cls: ''};
    case 'queued': {
      if (j.cancel_requested) return {text: 'Cancelling…', todo: '', cls: 'warn', note: 'The site\'s print service drops it before it prints.'};
      const c = (m = r.match(/^waiting: (.*)$/s)) && reasonCause(m[1]);
      if (!c) return {text: 'Waiting to print', todo: '', cls: 'warn'};
      if (c.what === causes['paper end'][0]) return {text: 'Waiting for paper', todo: c.todo, cls: 'warn'};
      return {text: 'Waiting: ' + c.what, todo: c.todo, cls: 'warn'};
    }
    case 'unknown': {
      const held = r.match(/^held in the printer by ([a-z ]+):/);
      if (held) {
        const c = cause(held[1]) || {what: held[1], todo: ''};
        return {text: 'Stopped mid-way: ' + c.what, cls: 'warn',
          todo: (c.todo ? c.todo + ' ' : '') + 'The rest then prints by itself: check the receipt before sending it again.'};
      }
      const todo = 'Look at the printer: if the whole receipt is there, press "It printed", else "Send again".';
      if (r.startsWith('interrupted while printing')) return {text: 'Check the paper: may have printed (the service stopped while printing)', todo, cls: 'warn'};
      const c = (m = r.match(/^unknown: (.*)$/s)) && reasonCause(m[1]);
      return {text: 'Check the paper: may have printed' + (c ? ' (' + c.what + ')' : ''), todo, cls: 'warn'};
    }
    case 'failed': {
      if (r.startsWith('confirmed not printed')) return {text: 'Not printed', todo: '', cls: 'bad'};
      // "Try again" prints it as the original; an ePOS till sends its own.
      const again = j.source === 'epos' ? 'Then print it again from the till.' : 'Then press "Try again".';
      const gave = r.match(/^gave up after ([^:]+): (?:waiting: )?(.*)$/s);
      if (gave) {
        const c = reasonCause(gave[2]) || {what: 'the printer was not ready', todo: ''};
        return {text: 'Not printed: ' + c.what + ' for longer than ' + duration(gave[1]), todo: (c.todo ? c.todo + ' ' : '') + again, cls: 'bad'};
      }
      const fleet = fleetReasons[r]; // a job through a fleet hub
      if (fleet) return {text: 'Not printed: ' + fleet[0], todo: fleet[1], cls: 'bad'};
      if (/^printer ".*" is no longer configured$/.test(r)) return {text: 'Not printed: its printer was removed from the service', todo: 'Print it again from the till on another printer.', cls: 'bad'};
      if (r.startsWith('not sent: ')) return {text: 'Not printed: the stored receipt was damaged', todo: 'Print it again from the till.', cls: 'bad'};
      return {text: 'Not printed', todo: '', cls: 'bad'};
    }
  }
  return {text: j.state, todo: '', cls: ''};
}

const storeFault = {text: 'Receipts cannot be saved', todo: 'Tell the installer: the print service\'s disk may be full or failing.', cls: 'bad'};

// printerWords is what a person reads about a printer, from its status
// fields when the printer answered, else from the error met reaching it.
function printerWords(p) {
  const fault = p.worker && p.worker.fault || '';
  if (fault.startsWith('spool: store fault')) return storeFault;
  const st = p.status;
  if (p.pull && (!st || !p.pull.polling)) { // a printer that fetches its receipts: its polls are its status
    const c = cause(st ? 'stopped polling' : 'never polled');
    return {text: sentence(c.what), todo: c.todo, cls: 'bad'};
  }
  if (!st) {
    if (p.busy && !p.error) return {text: 'Printing…', todo: '', cls: 'warn'};
    if (p.busy) return {text: sentence(causes.busy[0]), todo: causes.busy[1], cls: 'warn'};
    const c = connectProblem(p.error);
    return {text: sentence(c.what), todo: c.todo, cls: 'bad'};
  }
  // The order of printers.Status.Reason: the most telling first.
  const c = st.paper_end ? cause('paper end') : st.cover_open ? cause('cover open') : st.autocutter_error ? cause('cutter')
    : st.unrecoverable_error ? cause('unrecoverable')
    : (st.error || st.recoverable_error || st.auto_recoverable_error) ? cause('printer error')
    : !st.online ? cause('offline') : null;
  if (c) return {text: sentence(c.what), todo: c.todo, cls: 'bad'};
  if (!p.ready) return {text: 'Not ready', todo: '', cls: 'bad'};
  const text = p.busy ? 'Ready, printing' : 'Ready';
  if (st.paper_near_end) return {text: text + ': paper is running low', todo: 'Have a new paper roll ready.', cls: 'warn'};
  return {text, todo: '', cls: 'ready'};
}

// siteWords is what a person reads about a site's print service at the hub.
function siteWords(s) {
  if (!s.online) return {text: 'Offline: no word from the site since ' + new Date(s.heartbeat).toLocaleString(), cls: 'bad',
    todo: 'Check the site\'s internet connection and that its print service runs; its receipts wait for it.'};
  if (s.clock_wrong) return {text: 'Online, but its clock is wrong by ' + Math.round(Math.abs(s.clock_skew_ms) / 1000) + ' s', cls: 'warn',
    todo: 'Set the clock of the site\'s computer right (time sync): receipts may expire too early or too late.'};
  return {text: 'Online', todo: '', cls: 'good'};
}

// sitePrinterWords is what a person reads at the hub about a site's
// printer. A site announces its printer's last status read as its own
// page shows it (printer_status, ready, busy, error): the same words as
// there. A site that has read none yet, or of a version before, reports
// only its worker's fault in the spool's words ("spool: printer fault:
// front: failed: paper end"), or none.
function sitePrinterWords(p) {
  if (p.printer_status || p.error) {
    const fault = (p.problems || []).find(x => x.startsWith('spool: ')) || '';
    return printerWords({status: p.printer_status, ready: p.ready, busy: p.busy, error: p.error, worker: {fault}});
  }
  if (p.status === 'ok') return {text: 'No problem reported', todo: '', cls: 'ready'};
  const fault = (p.problems || [])[0] || '';
  if (fault.startsWith('spool: store fault')) return storeFault;
  const m = fault.match(/^spool: printer fault: [^:]*: (?:not reachable: (.*)|[a-z]+: (.*))$/s);
  const c = m && (m[1] !== undefined ? connectProblem(m[1]) : reasonCause(m[2]));
  if (c) return {text: sentence(c.what), todo: c.todo, cls: 'bad'};
  return {text: 'The printer has a problem', todo: 'Open the site\'s own page to see which.', cls: 'bad'};
}
